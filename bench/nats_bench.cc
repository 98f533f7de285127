// aio-nats-bench: core NATS workloads on nats.c, run unchanged against aio and nats-server
// (bench/run-mq.sh). Prints one JSON object per workload:
//   {"load":"fanout","subs":10,"size":128,"msgs":..,"seconds":..,"msgs_per_s":..,"mb_per_s":..}
// Workloads: pub (publish only), pubsub (1 -> 1), fanout (1 -> N), queue (1 -> a queue group of
// N), reqrep (sequential request/reply; p50/p99 latency in microseconds), jspub (JetStream
// publishes acknowledged by a file stream, async with up to 4096 in flight; delivered = acks).
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string url = "nats://127.0.0.1:4222";
  std::string load = "pubsub";
  int size = 128;
  long msgs = 200000;
  int subs = 1;
  double seconds = 3;  // reqrep duration
};

[[noreturn]] void Die(const char* what, natsStatus status) {
  std::fprintf(stderr, "aio-nats-bench: %s: %s\n", what, natsStatus_GetText(status));
  std::exit(1);
}

natsConnection* Connect(const Args& args) {
  natsOptions* opts = nullptr;
  natsOptions_Create(&opts);
  natsOptions_SetURL(opts, args.url.c_str());
  natsOptions_SetIOBufSize(opts, 256 * 1024);
  natsOptions_SetAllowReconnect(opts, false);
  natsConnection* nc = nullptr;
  if (natsStatus s = natsConnection_Connect(&nc, opts); s != NATS_OK) Die("connect", s);
  natsOptions_Destroy(opts);
  return nc;
}

struct Counter {
  std::atomic<long> received{0};
};

void Count(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  static_cast<Counter*>(closure)->received.fetch_add(1, std::memory_order_relaxed);
  natsMsg_Destroy(msg);
}

void Reply(natsConnection* nc, natsSubscription*, natsMsg* msg, void*) {
  natsConnection_Publish(nc, natsMsg_GetReply(msg), natsMsg_GetData(msg),
                         natsMsg_GetDataLength(msg));
  natsMsg_Destroy(msg);
}

void Report(const Args& args, long msgs, double seconds, long delivered) {
  const double rate = msgs / seconds;
  std::printf(
      "{\"load\":\"%s\",\"subs\":%d,\"size\":%d,\"msgs\":%ld,\"delivered\":%ld,\"seconds\":%.3f,"
      "\"msgs_per_s\":%.0f,\"mb_per_s\":%.2f}\n",
      args.load.c_str(), args.subs, args.size, msgs, delivered, seconds, rate,
      rate * args.size / 1e6);
}

// Publishes args.msgs messages and waits until every subscriber has them (or 60 s).
void RunPubSub(const Args& args) {
  const bool has_subs = args.load != "pub";
  const int nsubs = has_subs ? args.subs : 0;
  std::vector<natsConnection*> sub_conns;
  std::vector<natsSubscription*> subs;
  Counter counter;
  for (int i = 0; i < nsubs; ++i) {
    natsConnection* nc = Connect(args);
    natsSubscription* sub = nullptr;
    natsStatus s =
        args.load == "queue"
            ? natsConnection_QueueSubscribe(&sub, nc, "bench", "workers", Count, &counter)
            : natsConnection_Subscribe(&sub, nc, "bench", Count, &counter);
    if (s != NATS_OK) Die("subscribe", s);
    natsSubscription_SetPendingLimits(sub, -1, -1);
    natsConnection_Flush(nc);
    sub_conns.push_back(nc);
    subs.push_back(sub);
  }
  natsConnection* pub = Connect(args);
  const std::string payload(static_cast<size_t>(args.size), 'x');
  const long expected = args.load == "queue" ? args.msgs : args.msgs * nsubs;
  const auto start = Clock::now();
  for (long i = 0; i < args.msgs; ++i) {
    natsStatus s = natsConnection_Publish(pub, "bench", payload.data(), args.size);
    if (s != NATS_OK) Die("publish", s);
  }
  if (natsStatus s = natsConnection_FlushTimeout(pub, 60000); s != NATS_OK) Die("flush", s);
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (counter.received.load() < expected && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Report(args, args.msgs, seconds, counter.received.load());
  for (natsSubscription* sub : subs) natsSubscription_Destroy(sub);
  for (natsConnection* nc : sub_conns) natsConnection_Destroy(nc);
  natsConnection_Destroy(pub);
}

void CountAck(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error, void* closure) {
  if (ack != nullptr && error == nullptr) {
    static_cast<Counter*>(closure)->received.fetch_add(1, std::memory_order_relaxed);
  }
  natsMsg_Destroy(msg);
}

// JetStream acked publish throughput into a fresh file stream "BENCH" on subject bench.js.
void RunJetStreamPublish(const Args& args) {
  natsConnection* nc = Connect(args);
  Counter acks;
  jsOptions opts;
  jsOptions_Init(&opts);
  opts.PublishAsync.MaxPending = 4096;
  opts.PublishAsync.AckHandler = CountAck;
  opts.PublishAsync.AckHandlerClosure = &acks;
  jsCtx* js = nullptr;
  if (natsStatus s = natsConnection_JetStream(&js, nc, &opts); s != NATS_OK) Die("jetstream", s);
  js_DeleteStream(js, "BENCH", nullptr, nullptr);  // a previous run's
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const char* subjects[] = {"bench.js"};
  cfg.Name = "BENCH";
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  jsStreamInfo* si = nullptr;
  if (natsStatus s = js_AddStream(&si, js, &cfg, nullptr, nullptr); s != NATS_OK) {
    Die("add stream", s);
  }
  jsStreamInfo_Destroy(si);
  const std::string payload(static_cast<size_t>(args.size), 'x');
  const auto start = Clock::now();
  for (long i = 0; i < args.msgs; ++i) {
    natsStatus s = js_PublishAsync(js, "bench.js", payload.data(), args.size, nullptr);
    if (s != NATS_OK) Die("publish", s);
  }
  jsPubOptions done;
  jsPubOptions_Init(&done);
  done.MaxWait = 60000;
  if (natsStatus s = js_PublishAsyncComplete(js, &done); s != NATS_OK) Die("complete", s);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Report(args, args.msgs, seconds, acks.received.load());
  js_DeleteStream(js, "BENCH", nullptr, nullptr);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
}

void RunRequestReply(const Args& args) {
  natsConnection* service = Connect(args);
  natsSubscription* sub = nullptr;
  if (natsStatus s = natsConnection_Subscribe(&sub, service, "bench.rpc", Reply, nullptr);
      s != NATS_OK) {
    Die("subscribe", s);
  }
  natsConnection_Flush(service);
  natsConnection* client = Connect(args);
  const std::string payload(static_cast<size_t>(args.size), 'x');
  std::vector<double> micros;
  const auto end = Clock::now() + std::chrono::duration<double>(args.seconds);
  const auto start = Clock::now();
  while (Clock::now() < end) {
    natsMsg* reply = nullptr;
    const auto t0 = Clock::now();
    natsStatus s =
        natsConnection_Request(&reply, client, "bench.rpc", payload.data(), args.size, 5000);
    if (s != NATS_OK) Die("request", s);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    natsMsg_Destroy(reply);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) { return micros[static_cast<size_t>(p * (micros.size() - 1))]; };
  std::printf(
      "{\"load\":\"reqrep\",\"size\":%d,\"requests\":%zu,\"seconds\":%.3f,\"req_per_s\":%.0f,"
      "\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
      args.size, micros.size(), seconds, micros.size() / seconds, pct(0.5), pct(0.99));
  natsSubscription_Destroy(sub);
  natsConnection_Destroy(client);
  natsConnection_Destroy(service);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--url") {
      args.url = value;
    } else if (flag == "--load") {
      args.load = value;
    } else if (flag == "--size") {
      args.size = std::atoi(value);
    } else if (flag == "--msgs") {
      args.msgs = std::atol(value);
    } else if (flag == "--subs") {
      args.subs = std::atoi(value);
    } else if (flag == "--seconds") {
      args.seconds = std::atof(value);
    } else {
      std::fprintf(stderr,
                   "usage: aio-nats-bench [--url nats://h:p] [--load pub|pubsub|fanout|queue|"
                   "reqrep|jspub] [--size bytes] [--msgs n] [--subs n] [--seconds s]\n");
      return 2;
    }
  }
  if (args.load == "reqrep") {
    RunRequestReply(args);
  } else if (args.load == "jspub") {
    RunJetStreamPublish(args);
  } else {
    RunPubSub(args);
  }
  nats_Close();
  return 0;
}

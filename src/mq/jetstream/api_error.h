// ApiError: JetStream's API error, as nats-server sends it in every $JS.API response and pub ack:
//   {"error":{"code":404,"err_code":10059,"description":"stream not found"}}
// The codes and texts are nats-server 2.9's (server/errors.json); clients match on err_code.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace aio::mq::jetstream {

struct ApiError {
  int code = 0;      // HTTP-like status: 400, 404, 500, 503
  int err_code = 0;  // JetStream error code (JSErrCode)
  std::string description;
};

inline ApiError BadRequest() { return {400, 10003, "bad request"}; }
inline ApiError InvalidJson(std::string err) { return {400, 10025, "invalid JSON: " + err}; }
inline ApiError StreamNotFound() { return {404, 10059, "stream not found"}; }
inline ApiError StreamNameExists() {
  return {400, 10058, "stream name already in use with a different configuration"};
}
inline ApiError StreamMismatch() {
  return {400, 10056, "stream name in subject does not match request"};
}
inline ApiError StreamSubjectOverlap() {
  return {400, 10065, "subjects overlap with an existing stream"};
}
inline ApiError StreamInvalidConfig(std::string err) { return {500, 10052, std::move(err)}; }
inline ApiError StreamUpdateFailed(std::string err) { return {500, 10069, std::move(err)}; }
inline ApiError StreamStoreFailed(std::string err) { return {503, 10077, std::move(err)}; }
inline ApiError MessageTooBig() { return {400, 10054, "message size exceeds maximum allowed"}; }
inline ApiError StreamNotMatch() { return {400, 10060, "expected stream does not match"}; }
inline ApiError WrongLastSequence(uint64_t seq) {
  return {400, 10071, "wrong last sequence: " + std::to_string(seq)};
}
inline ApiError WrongLastMsgId(std::string id) { return {400, 10070, "wrong last msg ID: " + id}; }
inline ApiError NoMessageFound() { return {404, 10037, "no message found"}; }
inline ApiError SequenceNotFound(uint64_t seq) {
  return {400, 10043, "sequence " + std::to_string(seq) + " not found"};
}
inline ApiError ConsumerNotFound() { return {404, 10014, "consumer not found"}; }
inline ApiError ConsumerNameExists() { return {400, 10013, "consumer name already in use"}; }
inline ApiError ConsumerCreateFailed(std::string err) { return {500, 10012, std::move(err)}; }
inline ApiError ConsumerDurableNameNotInSubject() {
  return {400, 10016, "consumer expected to be durable but no durable name set in subject"};
}
inline ApiError ConsumerDurableNameMismatch() {
  return {400, 10017, "consumer name in subject does not match durable name in request"};
}
inline ApiError ConsumerWorkQueueNotUnique() {
  return {400, 10100, "filtered consumer not unique on workqueue stream"};
}
inline ApiError ConsumerWorkQueueExplicitAck() {
  return {400, 10098, "workqueue stream requires explicit ack"};
}
inline ApiError ConsumerWorkQueueMultipleUnfiltered() {
  return {400, 10099, "multiple non-filtered consumers not allowed on workqueue stream"};
}
inline ApiError ConsumerFilterNotSubset() {
  return {400, 10093, "consumer filter subject is not a valid subset of the interest subjects"};
}
inline ApiError ConsumerPullNotPush() { return {400, 10089, "consumer is push based"}; }
inline ApiError ConsumerConfigRequired() { return {400, 10078, "consumer config required"}; }
inline ApiError RollupFailed(std::string err) { return {500, 10111, std::move(err)}; }
inline ApiError StorageFailed(std::string err) { return {500, 10047, std::move(err)}; }
inline ApiError UnknownRequest() { return {400, 10003, "bad request"}; }

}  // namespace aio::mq::jetstream

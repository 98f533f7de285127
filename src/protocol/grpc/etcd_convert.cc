#include "protocol/grpc/etcd_convert.h"

#include <string>
#include <vector>

namespace aio::protocol::grpc {

namespace pb = etcdserverpb;

// File-local helpers live in this namespace (not an anonymous one) so that they overload, rather
// than hide, the public FromProto/ToProto.

// An empty RequestOp is a no-op in etcd: it is dropped here (its ResponseOp is left out).
static void AppendFromProto(const pb::RequestOp& in, std::vector<store::RequestOp>* out) {
  switch (in.request_case()) {
    case pb::RequestOp::kRequestRange:
      out->push_back({FromProto(in.request_range())});
      break;
    case pb::RequestOp::kRequestPut:
      out->push_back({FromProto(in.request_put())});
      break;
    case pb::RequestOp::kRequestDeleteRange:
      out->push_back({FromProto(in.request_delete_range())});
      break;
    case pb::RequestOp::kRequestTxn:
      out->push_back({FromProto(in.request_txn())});
      break;
    case pb::RequestOp::REQUEST_NOT_SET:
      break;
  }
}

static void ToProto(const store::RequestOp& in, pb::RequestOp* out) {
  if (const auto* range = std::get_if<store::RangeRequest>(&in.op)) {
    ToProto(*range, out->mutable_request_range());
  } else if (const auto* put = std::get_if<store::PutRequest>(&in.op)) {
    ToProto(*put, out->mutable_request_put());
  } else if (const auto* del = std::get_if<store::DeleteRangeRequest>(&in.op)) {
    ToProto(*del, out->mutable_request_delete_range());
  } else {
    ToProto(std::get<store::TxnRequest>(in.op), out->mutable_request_txn());
  }
}

static void ToProto(const store::ResponseOp& in, pb::ResponseOp* out) {
  if (const auto* range = std::get_if<store::RangeResponse>(&in.op)) {
    ToProto(*range, out->mutable_response_range());
  } else if (const auto* put = std::get_if<store::PutResponse>(&in.op)) {
    ToProto(*put, out->mutable_response_put());
  } else if (const auto* del = std::get_if<store::DeleteRangeResponse>(&in.op)) {
    ToProto(*del, out->mutable_response_delete_range());
  } else {
    ToProto(std::get<store::TxnResponse>(in.op), out->mutable_response_txn());
  }
}

store::RangeRequest FromProto(const pb::RangeRequest& in) {
  store::RangeRequest out;
  out.key = in.key();
  out.range_end = in.range_end();
  out.limit = in.limit();
  out.revision = in.revision();
  out.sort_order = static_cast<store::SortOrder>(in.sort_order());
  out.sort_target = static_cast<store::SortTarget>(in.sort_target());
  out.serializable = in.serializable();
  out.keys_only = in.keys_only();
  out.count_only = in.count_only();
  out.min_mod_revision = in.min_mod_revision();
  out.max_mod_revision = in.max_mod_revision();
  out.min_create_revision = in.min_create_revision();
  out.max_create_revision = in.max_create_revision();
  return out;
}

store::PutRequest FromProto(const pb::PutRequest& in) {
  return store::PutRequest{.key = in.key(),
                           .value = in.value(),
                           .lease = in.lease(),
                           .prev_kv = in.prev_kv(),
                           .ignore_value = in.ignore_value(),
                           .ignore_lease = in.ignore_lease()};
}

store::DeleteRangeRequest FromProto(const pb::DeleteRangeRequest& in) {
  return store::DeleteRangeRequest{
      .key = in.key(), .range_end = in.range_end(), .prev_kv = in.prev_kv()};
}

store::Compare FromProto(const pb::Compare& in) {
  store::Compare out;
  out.result = static_cast<store::Compare::Result>(in.result());
  out.target = static_cast<store::Compare::Target>(in.target());
  out.key = in.key();
  out.range_end = in.range_end();
  switch (in.target()) {
    case pb::Compare::VERSION:
      out.number = in.version();
      break;
    case pb::Compare::CREATE:
      out.number = in.create_revision();
      break;
    case pb::Compare::MOD:
      out.number = in.mod_revision();
      break;
    case pb::Compare::LEASE:
      out.number = in.lease();
      break;
    case pb::Compare::VALUE:
      out.value = in.value();
      break;
    default:
      break;
  }
  return out;
}

store::TxnRequest FromProto(const pb::TxnRequest& in) {
  store::TxnRequest out;
  out.compare.reserve(in.compare_size());
  for (const auto& compare : in.compare()) out.compare.push_back(FromProto(compare));
  out.success.reserve(in.success_size());
  for (const auto& op : in.success()) AppendFromProto(op, &out.success);
  out.failure.reserve(in.failure_size());
  for (const auto& op : in.failure()) AppendFromProto(op, &out.failure);
  return out;
}

store::WatchRequest FromProto(const pb::WatchCreateRequest& in) {
  store::WatchRequest out;
  out.key = in.key().empty() ? std::string(1, '\0') : in.key();
  out.range_end = in.range_end();
  out.start_revision = in.start_revision();
  out.prev_kv = in.prev_kv();
  for (int filter : in.filters()) {
    if (filter == pb::WatchCreateRequest::NOPUT) out.filter_put = true;
    if (filter == pb::WatchCreateRequest::NODELETE) out.filter_delete = true;
  }
  out.progress_notify = in.progress_notify();
  out.watch_id = in.watch_id();
  return out;
}

void ToProto(const store::RangeRequest& in, pb::RangeRequest* out) {
  out->set_key(in.key);
  out->set_range_end(in.range_end);
  out->set_limit(in.limit);
  out->set_revision(in.revision);
  out->set_sort_order(static_cast<pb::RangeRequest::SortOrder>(in.sort_order));
  out->set_sort_target(static_cast<pb::RangeRequest::SortTarget>(in.sort_target));
  out->set_serializable(in.serializable);
  out->set_keys_only(in.keys_only);
  out->set_count_only(in.count_only);
  out->set_min_mod_revision(in.min_mod_revision);
  out->set_max_mod_revision(in.max_mod_revision);
  out->set_min_create_revision(in.min_create_revision);
  out->set_max_create_revision(in.max_create_revision);
}

void ToProto(const store::PutRequest& in, pb::PutRequest* out) {
  out->set_key(in.key);
  out->set_value(in.value);
  out->set_lease(in.lease);
  out->set_prev_kv(in.prev_kv);
  out->set_ignore_value(in.ignore_value);
  out->set_ignore_lease(in.ignore_lease);
}

void ToProto(const store::DeleteRangeRequest& in, pb::DeleteRangeRequest* out) {
  out->set_key(in.key);
  out->set_range_end(in.range_end);
  out->set_prev_kv(in.prev_kv);
}

void ToProto(const store::Compare& in, pb::Compare* out) {
  out->set_result(static_cast<pb::Compare::CompareResult>(in.result));
  out->set_target(static_cast<pb::Compare::CompareTarget>(in.target));
  out->set_key(in.key);
  out->set_range_end(in.range_end);
  switch (in.target) {
    case store::Compare::Target::kVersion:
      out->set_version(in.number);
      break;
    case store::Compare::Target::kCreate:
      out->set_create_revision(in.number);
      break;
    case store::Compare::Target::kMod:
      out->set_mod_revision(in.number);
      break;
    case store::Compare::Target::kLease:
      out->set_lease(in.number);
      break;
    case store::Compare::Target::kValue:
      out->set_value(in.value);
      break;
  }
}

void ToProto(const store::TxnRequest& in, pb::TxnRequest* out) {
  for (const auto& compare : in.compare) ToProto(compare, out->add_compare());
  for (const auto& op : in.success) ToProto(op, out->add_success());
  for (const auto& op : in.failure) ToProto(op, out->add_failure());
}

void ToProto(const store::WatchRequest& in, pb::WatchCreateRequest* out) {
  out->set_key(in.key);
  out->set_range_end(in.range_end);
  out->set_start_revision(in.start_revision);
  out->set_prev_kv(in.prev_kv);
  if (in.filter_put) out->add_filters(pb::WatchCreateRequest::NOPUT);
  if (in.filter_delete) out->add_filters(pb::WatchCreateRequest::NODELETE);
  out->set_progress_notify(in.progress_notify);
  out->set_watch_id(in.watch_id);
}

void ToProto(const store::KeyValue& in, mvccpb::KeyValue* out) {
  out->set_key(in.key);
  out->set_create_revision(in.create_revision);
  out->set_mod_revision(in.mod_revision);
  out->set_version(in.version);
  out->set_value(in.value);
  out->set_lease(in.lease);
}

void ToProto(const store::Event& in, mvccpb::Event* out) {
  out->set_type(static_cast<mvccpb::Event::EventType>(in.type));
  ToProto(in.kv, out->mutable_kv());
  if (in.prev_kv) ToProto(*in.prev_kv, out->mutable_prev_kv());
}

void ToProto(const store::RangeResponse& in, pb::RangeResponse* out) {
  out->mutable_header()->set_revision(in.revision);
  for (const auto& kv : in.kvs) ToProto(kv, out->add_kvs());
  out->set_more(in.more);
  out->set_count(in.count);
}

void ToProto(const store::PutResponse& in, pb::PutResponse* out) {
  out->mutable_header()->set_revision(in.revision);
  if (in.prev_kv) ToProto(*in.prev_kv, out->mutable_prev_kv());
}

void ToProto(const store::DeleteRangeResponse& in, pb::DeleteRangeResponse* out) {
  out->mutable_header()->set_revision(in.revision);
  out->set_deleted(in.deleted);
  for (const auto& kv : in.prev_kvs) ToProto(kv, out->add_prev_kvs());
}

void ToProto(const store::TxnResponse& in, pb::TxnResponse* out) {
  out->mutable_header()->set_revision(in.revision);
  out->set_succeeded(in.succeeded);
  for (const auto& op : in.responses) ToProto(op, out->add_responses());
}

void ToProto(const store::WatchResponse& in, pb::WatchResponse* out) {
  out->mutable_header()->set_revision(in.revision);
  out->set_watch_id(in.watch_id);
  out->set_created(in.created);
  out->set_canceled(in.canceled);
  out->set_compact_revision(in.compact_revision);
  out->set_cancel_reason(in.cancel_reason);
  for (const auto& event : in.events) ToProto(event, out->add_events());
}

}  // namespace aio::protocol::grpc

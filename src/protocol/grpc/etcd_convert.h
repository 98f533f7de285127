// Conversion between etcd v3 protobuf messages (proto/etcd) and the store's request and response
// structs (store/kv_store.h). Pure functions, no I/O; thread-safe.
//
// Requests convert both ways (FromProto for the server; ToProto for clients of the etcd API and the
// round-trip tests); responses convert store -> proto only. Response ToProto sets header.revision
// from the store response; the server fills the rest of the top-level header.
#pragma once

#include "etcd/kv.pb.h"
#include "etcd/rpc.pb.h"
#include "store/kv_store.h"

namespace aio::protocol::grpc {

store::RangeRequest FromProto(const etcdserverpb::RangeRequest& in);
store::PutRequest FromProto(const etcdserverpb::PutRequest& in);
store::DeleteRangeRequest FromProto(const etcdserverpb::DeleteRangeRequest& in);
// The compared number is read from the target_union field that matches `target` (as etcd does); a
// union set to another field compares against 0.
store::Compare FromProto(const etcdserverpb::Compare& in);
store::TxnRequest FromProto(const etcdserverpb::TxnRequest& in);
// An empty key becomes "\0", the smallest key (as etcd's watch server).
store::WatchRequest FromProto(const etcdserverpb::WatchCreateRequest& in);

void ToProto(const store::RangeRequest& in, etcdserverpb::RangeRequest* out);
void ToProto(const store::PutRequest& in, etcdserverpb::PutRequest* out);
void ToProto(const store::DeleteRangeRequest& in, etcdserverpb::DeleteRangeRequest* out);
void ToProto(const store::Compare& in, etcdserverpb::Compare* out);
void ToProto(const store::TxnRequest& in, etcdserverpb::TxnRequest* out);
void ToProto(const store::WatchRequest& in, etcdserverpb::WatchCreateRequest* out);

void ToProto(const store::KeyValue& in, mvccpb::KeyValue* out);
void ToProto(const store::Event& in, mvccpb::Event* out);
void ToProto(const store::RangeResponse& in, etcdserverpb::RangeResponse* out);
void ToProto(const store::PutResponse& in, etcdserverpb::PutResponse* out);
void ToProto(const store::DeleteRangeResponse& in, etcdserverpb::DeleteRangeResponse* out);
void ToProto(const store::TxnResponse& in, etcdserverpb::TxnResponse* out);
// Events, watch_id, created, canceled, compact_revision, cancel_reason and header.revision.
void ToProto(const store::WatchResponse& in, etcdserverpb::WatchResponse* out);

}  // namespace aio::protocol::grpc

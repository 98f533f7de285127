#include "protocol/grpc/etcd_convert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aio::protocol::grpc {
namespace {

namespace pb = etcdserverpb;
using ::testing::ElementsAre;

// Field-by-field equality of the store's request structs (they have no operator==).
void ExpectEqual(const store::RangeRequest& a, const store::RangeRequest& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.range_end, b.range_end);
  EXPECT_EQ(a.limit, b.limit);
  EXPECT_EQ(a.revision, b.revision);
  EXPECT_EQ(a.sort_order, b.sort_order);
  EXPECT_EQ(a.sort_target, b.sort_target);
  EXPECT_EQ(a.serializable, b.serializable);
  EXPECT_EQ(a.keys_only, b.keys_only);
  EXPECT_EQ(a.count_only, b.count_only);
  EXPECT_EQ(a.min_mod_revision, b.min_mod_revision);
  EXPECT_EQ(a.max_mod_revision, b.max_mod_revision);
  EXPECT_EQ(a.min_create_revision, b.min_create_revision);
  EXPECT_EQ(a.max_create_revision, b.max_create_revision);
}

void ExpectEqual(const store::PutRequest& a, const store::PutRequest& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.lease, b.lease);
  EXPECT_EQ(a.prev_kv, b.prev_kv);
  EXPECT_EQ(a.ignore_value, b.ignore_value);
  EXPECT_EQ(a.ignore_lease, b.ignore_lease);
}

void ExpectEqual(const store::DeleteRangeRequest& a, const store::DeleteRangeRequest& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.range_end, b.range_end);
  EXPECT_EQ(a.prev_kv, b.prev_kv);
}

void ExpectEqual(const store::Compare& a, const store::Compare& b) {
  EXPECT_EQ(a.result, b.result);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.range_end, b.range_end);
  EXPECT_EQ(a.number, b.number);
  EXPECT_EQ(a.value, b.value);
}

void ExpectEqual(const store::TxnRequest& a, const store::TxnRequest& b);

void ExpectEqual(const std::vector<store::RequestOp>& a, const std::vector<store::RequestOp>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].op.index(), b[i].op.index()) << "op " << i;
    std::visit(
        [&](const auto& left) {
          ExpectEqual(left, std::get<std::decay_t<decltype(left)>>(b[i].op));
        },
        a[i].op);
  }
}

void ExpectEqual(const store::TxnRequest& a, const store::TxnRequest& b) {
  ASSERT_EQ(a.compare.size(), b.compare.size());
  for (size_t i = 0; i < a.compare.size(); ++i) ExpectEqual(a.compare[i], b.compare[i]);
  ExpectEqual(a.success, b.success);
  ExpectEqual(a.failure, b.failure);
}

template <class Proto, class Store>
Store RoundTrip(const Store& in) {
  Proto proto;
  ToProto(in, &proto);
  // Through the wire bytes too, so field numbers and types are exercised.
  Proto parsed;
  EXPECT_TRUE(parsed.ParseFromString(proto.SerializeAsString()));
  return FromProto(parsed);
}

TEST(EtcdConvertTest, RangeRequestRoundTrip) {
  store::RangeRequest in{.key = "a",
                         .range_end = "b",
                         .limit = 7,
                         .revision = 42,
                         .sort_order = store::SortOrder::kDescend,
                         .sort_target = store::SortTarget::kMod,
                         .serializable = true,
                         .keys_only = true,
                         .count_only = true,
                         .min_mod_revision = 1,
                         .max_mod_revision = 2,
                         .min_create_revision = 3,
                         .max_create_revision = 4};
  ExpectEqual(RoundTrip<pb::RangeRequest>(in), in);
}

TEST(EtcdConvertTest, PutAndDeleteRoundTrip) {
  store::PutRequest put{.key = std::string("k\0x", 3),
                        .value = std::string("\xff\0", 2),
                        .lease = 99,
                        .prev_kv = true,
                        .ignore_value = true,
                        .ignore_lease = true};
  ExpectEqual(RoundTrip<pb::PutRequest>(put), put);
  store::DeleteRangeRequest del{.key = "a", .range_end = std::string(1, '\0'), .prev_kv = true};
  ExpectEqual(RoundTrip<pb::DeleteRangeRequest>(del), del);
}

TEST(EtcdConvertTest, CompareUsesTheUnionFieldOfItsTarget) {
  using Target = store::Compare::Target;
  using Result = store::Compare::Result;
  for (auto [target, field] : {std::pair{Target::kVersion, 4}, std::pair{Target::kCreate, 5},
                               std::pair{Target::kMod, 6}, std::pair{Target::kLease, 8}}) {
    store::Compare in{.result = Result::kGreater, .target = target, .key = "k", .number = 17};
    pb::Compare proto;
    ToProto(in, &proto);
    EXPECT_EQ(proto.target_union_case(), field);
    ExpectEqual(FromProto(proto), in);
  }
  store::Compare value{.result = Result::kNotEqual,
                       .target = Target::kValue,
                       .key = "k",
                       .range_end = "l",
                       .value = "v"};
  ExpectEqual(RoundTrip<pb::Compare>(value), value);

  // A union set to another field than the target compares against 0, as etcd.
  pb::Compare mismatched;
  mismatched.set_target(pb::Compare::MOD);
  mismatched.set_version(5);
  EXPECT_EQ(FromProto(mismatched).number, 0);
}

TEST(EtcdConvertTest, NestedTxnRoundTrip) {
  store::TxnRequest inner;
  inner.compare.push_back({.result = store::Compare::Result::kLess,
                           .target = store::Compare::Target::kCreate,
                           .key = "x",
                           .number = 3});
  inner.success.push_back({store::PutRequest{.key = "x", .value = "1"}});
  inner.failure.push_back({store::DeleteRangeRequest{.key = "x"}});

  store::TxnRequest outer;
  outer.compare.push_back({.result = store::Compare::Result::kEqual,
                           .target = store::Compare::Target::kValue,
                           .key = "a",
                           .value = "b"});
  outer.compare.push_back({.result = store::Compare::Result::kEqual,
                           .target = store::Compare::Target::kVersion,
                           .key = "c",
                           .number = 0});
  outer.success.push_back({store::RangeRequest{.key = "a", .limit = 1}});
  outer.success.push_back({inner});
  outer.failure.push_back({store::PutRequest{.key = "a", .value = "b", .prev_kv = true}});

  store::TxnRequest back = RoundTrip<pb::TxnRequest>(outer);
  ExpectEqual(back, outer);
  ASSERT_EQ(back.success.size(), 2u);
  EXPECT_EQ(std::get<store::TxnRequest>(back.success[1].op).failure.size(), 1u);
}

TEST(EtcdConvertTest, EmptyRequestOpIsDropped) {
  pb::TxnRequest proto;
  proto.add_success();
  proto.add_success()->mutable_request_put()->set_key("k");
  store::TxnRequest txn = FromProto(proto);
  ASSERT_EQ(txn.success.size(), 1u);
  EXPECT_EQ(std::get<store::PutRequest>(txn.success[0].op).key, "k");
}

TEST(EtcdConvertTest, WatchCreateRequest) {
  store::WatchRequest in{.key = "a",
                         .range_end = "b",
                         .start_revision = 5,
                         .prev_kv = true,
                         .filter_put = true,
                         .filter_delete = true,
                         .progress_notify = true,
                         .watch_id = 9};
  pb::WatchCreateRequest proto;
  ToProto(in, &proto);
  EXPECT_THAT(proto.filters(),
              ElementsAre(pb::WatchCreateRequest::NOPUT, pb::WatchCreateRequest::NODELETE));
  store::WatchRequest out = FromProto(proto);
  EXPECT_EQ(out.key, "a");
  EXPECT_EQ(out.range_end, "b");
  EXPECT_EQ(out.start_revision, 5);
  EXPECT_TRUE(out.prev_kv);
  EXPECT_TRUE(out.filter_put);
  EXPECT_TRUE(out.filter_delete);
  EXPECT_TRUE(out.progress_notify);
  EXPECT_EQ(out.watch_id, 9);

  // etcd watches "\0", the smallest key, when no key is given.
  EXPECT_EQ(FromProto(pb::WatchCreateRequest()).key, std::string(1, '\0'));
}

TEST(EtcdConvertTest, TxnResponseWithNestedResponses) {
  store::KeyValue kv{
      .key = "a", .value = "1", .create_revision = 2, .mod_revision = 3, .version = 2, .lease = 7};
  store::TxnResponse nested{.revision = 5, .succeeded = false};
  nested.responses.push_back(
      {store::DeleteRangeResponse{.revision = 5, .deleted = 1, .prev_kvs = {kv}}});
  store::TxnResponse in{.revision = 5, .succeeded = true};
  in.responses.push_back(
      {store::RangeResponse{.revision = 5, .kvs = {kv}, .more = true, .count = 3}});
  in.responses.push_back({store::PutResponse{.revision = 5, .prev_kv = kv}});
  in.responses.push_back({nested});

  pb::TxnResponse out;
  ToProto(in, &out);
  EXPECT_EQ(out.header().revision(), 5);
  EXPECT_TRUE(out.succeeded());
  ASSERT_EQ(out.responses_size(), 3);
  const pb::RangeResponse& range = out.responses(0).response_range();
  EXPECT_TRUE(range.more());
  EXPECT_EQ(range.count(), 3);
  ASSERT_EQ(range.kvs_size(), 1);
  EXPECT_EQ(range.kvs(0).key(), "a");
  EXPECT_EQ(range.kvs(0).value(), "1");
  EXPECT_EQ(range.kvs(0).create_revision(), 2);
  EXPECT_EQ(range.kvs(0).mod_revision(), 3);
  EXPECT_EQ(range.kvs(0).version(), 2);
  EXPECT_EQ(range.kvs(0).lease(), 7);
  EXPECT_EQ(out.responses(1).response_put().prev_kv().key(), "a");
  const pb::TxnResponse& inner = out.responses(2).response_txn();
  EXPECT_FALSE(inner.succeeded());
  EXPECT_EQ(inner.responses(0).response_delete_range().deleted(), 1);
  EXPECT_EQ(inner.responses(0).response_delete_range().prev_kvs(0).value(), "1");
}

TEST(EtcdConvertTest, PutResponseWithoutPrevKvHasNone) {
  pb::PutResponse out;
  ToProto(store::PutResponse{.revision = 4}, &out);
  EXPECT_FALSE(out.has_prev_kv());
  EXPECT_EQ(out.header().revision(), 4);
}

TEST(EtcdConvertTest, WatchResponse) {
  store::WatchResponse in{.watch_id = 3, .revision = 9};
  in.events.push_back({.type = store::Event::Type::kDelete,
                       .kv = {.key = "a", .mod_revision = 9},
                       .prev_kv = store::KeyValue{.key = "a", .value = "old", .mod_revision = 8}});
  in.events.push_back({.type = store::Event::Type::kPut, .kv = {.key = "b", .value = "v"}});
  pb::WatchResponse out;
  ToProto(in, &out);
  EXPECT_EQ(out.watch_id(), 3);
  EXPECT_FALSE(out.created());
  EXPECT_EQ(out.header().revision(), 9);
  ASSERT_EQ(out.events_size(), 2);
  EXPECT_EQ(out.events(0).type(), mvccpb::Event::DELETE);
  EXPECT_EQ(out.events(0).kv().mod_revision(), 9);
  EXPECT_EQ(out.events(0).prev_kv().value(), "old");
  EXPECT_EQ(out.events(1).type(), mvccpb::Event::PUT);
  EXPECT_FALSE(out.events(1).has_prev_kv());

  pb::WatchResponse created;
  ToProto(store::WatchResponse{.watch_id = 0, .revision = 8, .created = true}, &created);
  EXPECT_TRUE(created.created());
  EXPECT_EQ(created.header().revision(), 8);

  store::WatchResponse canceled{
      .watch_id = 4, .revision = 10, .canceled = true, .compact_revision = 6};
  pb::WatchResponse out_canceled;
  ToProto(canceled, &out_canceled);
  EXPECT_TRUE(out_canceled.canceled());
  EXPECT_FALSE(out_canceled.created());
  EXPECT_EQ(out_canceled.compact_revision(), 6);
  EXPECT_EQ(out_canceled.events_size(), 0);
}

}  // namespace
}  // namespace aio::protocol::grpc

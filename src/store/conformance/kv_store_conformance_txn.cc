// Conformance: Txn (compares, branches, nesting, limits, atomicity).
#include "store/conformance/kv_store_conformance.h"

namespace aio::store::conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Result = Compare::Result;
using Target = Compare::Target;

template <typename T>
const T* As(const ResponseOp& response) {
  return std::get_if<T>(&response.op);
}

TxnRequest Txn(std::vector<Compare> compare, std::vector<RequestOp> success,
               std::vector<RequestOp> failure = {}) {
  return TxnRequest{std::move(compare), std::move(success), std::move(failure)};
}

// Whether a txn with this single compare takes its success branch.
bool Holds(KvStore& kv, const Compare& compare) {
  absl::StatusOr<TxnResponse> response = kv.Txn(Txn({compare}, {}, {}));
  EXPECT_THAT(response, IsOk());
  return response.ok() && response->succeeded;
}

const char* Name(Result result) {
  switch (result) {
    case Result::kEqual:
      return "=";
    case Result::kGreater:
      return ">";
    case Result::kLess:
      return "<";
    case Result::kNotEqual:
      return "!=";
  }
  return "?";
}

const char* Name(Target target) {
  switch (target) {
    case Target::kVersion:
      return "version";
    case Target::kCreate:
      return "create";
    case Target::kMod:
      return "mod";
    case Target::kValue:
      return "value";
    case Target::kLease:
      return "lease";
  }
  return "?";
}

TEST_P(TxnConformance, SuccessBranch) {
  MustPut("k", "v1");  // 2
  TxnResponse response = MustTxn(Txn({CmpValue("k", Result::kEqual, "v1")},
                                     {OpPut("k", "v2"), OpRange("k")}, {OpPut("k", "failed")}));
  EXPECT_TRUE(response.succeeded);
  EXPECT_EQ(response.revision, 3);
  ASSERT_THAT(response.responses, SizeIs(2));
  ASSERT_NE(As<PutResponse>(response.responses[0]), nullptr);
  const RangeResponse* range = As<RangeResponse>(response.responses[1]);
  ASSERT_NE(range, nullptr);
  EXPECT_EQ(range->kvs, (std::vector<KeyValue>{{"k", "v2", 2, 3, 2, 0}}));
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "v2", 2, 3, 2, 0}));
}

TEST_P(TxnConformance, FailureBranch) {
  MustPut("k", "v1");  // 2
  TxnResponse response =
      MustTxn(Txn({CmpValue("k", Result::kEqual, "other")}, {OpPut("k", "success")},
                  {OpPut("k", "failure"), OpDelete("gone"), OpRange("k")}));
  EXPECT_FALSE(response.succeeded);
  ASSERT_THAT(response.responses, SizeIs(3));
  EXPECT_NE(As<PutResponse>(response.responses[0]), nullptr);
  const DeleteRangeResponse* deleted = As<DeleteRangeResponse>(response.responses[1]);
  ASSERT_NE(deleted, nullptr);
  EXPECT_EQ(deleted->deleted, 0);
  EXPECT_NE(As<RangeResponse>(response.responses[2]), nullptr);
  EXPECT_EQ(MustGet("k")->value, "failure");
  EXPECT_EQ(response.revision, 3);
}

TEST_P(TxnConformance, CompareEveryTargetAndResult) {
  const int64_t lease = MustGrant(600);
  MustPut("k", "v1");                                                               // 2
  CONF_ASSERT_OK(kv().Put(PutRequest{.key = "k", .value = "v2", .lease = lease}));  // 3
  // k: create 2, mod 3, version 2, value "v2", lease `lease`.
  struct Row {
    Target target;
    Result result;
    int64_t number;
    std::string value;
    bool holds;
  };
  const Row rows[] = {
      {Target::kVersion, Result::kEqual, 2, "", true},
      {Target::kVersion, Result::kEqual, 1, "", false},
      {Target::kVersion, Result::kNotEqual, 1, "", true},
      {Target::kVersion, Result::kNotEqual, 2, "", false},
      {Target::kVersion, Result::kGreater, 1, "", true},
      {Target::kVersion, Result::kGreater, 2, "", false},
      {Target::kVersion, Result::kLess, 3, "", true},
      {Target::kVersion, Result::kLess, 2, "", false},
      {Target::kCreate, Result::kEqual, 2, "", true},
      {Target::kCreate, Result::kNotEqual, 2, "", false},
      {Target::kCreate, Result::kGreater, 1, "", true},
      {Target::kCreate, Result::kLess, 2, "", false},
      {Target::kMod, Result::kEqual, 3, "", true},
      {Target::kMod, Result::kNotEqual, 3, "", false},
      {Target::kMod, Result::kLess, 4, "", true},
      {Target::kMod, Result::kGreater, 3, "", false},
      {Target::kLease, Result::kEqual, lease, "", true},
      {Target::kLease, Result::kEqual, 0, "", false},
      {Target::kLease, Result::kNotEqual, 0, "", true},
      {Target::kLease, Result::kGreater, 0, "", true},
      {Target::kLease, Result::kLess, lease, "", false},
      {Target::kValue, Result::kEqual, 0, "v2", true},
      {Target::kValue, Result::kEqual, 0, "v1", false},
      {Target::kValue, Result::kNotEqual, 0, "v1", true},
      {Target::kValue, Result::kNotEqual, 0, "v2", false},
      {Target::kValue, Result::kGreater, 0, "v1", true},
      {Target::kValue, Result::kGreater, 0, "v3", false},
      {Target::kValue, Result::kLess, 0, "v3", true},
      {Target::kValue, Result::kLess, 0, "v2", false},
  };
  for (const Row& row : rows) {
    Compare compare = CmpNumber("k", row.target, row.result, row.number);
    compare.value = row.value;
    EXPECT_EQ(Holds(kv(), compare), row.holds)
        << Name(row.target) << "(k) " << Name(row.result) << " "
        << (row.target == Target::kValue ? row.value : std::to_string(row.number));
  }
  EXPECT_EQ(kv().CurrentRevision(), 3) << "compare-only txns write nothing";
}

TEST_P(TxnConformance, CompareOnMissingKey) {
  // etcd compares a missing key as a zero KeyValue, except that a value compare always fails.
  EXPECT_TRUE(Holds(kv(), CmpNumber("missing", Target::kVersion, Result::kEqual, 0)));
  EXPECT_TRUE(Holds(kv(), CmpNumber("missing", Target::kCreate, Result::kEqual, 0)));
  EXPECT_TRUE(Holds(kv(), CmpNumber("missing", Target::kMod, Result::kEqual, 0)));
  EXPECT_TRUE(Holds(kv(), CmpNumber("missing", Target::kLease, Result::kEqual, 0)));
  EXPECT_FALSE(Holds(kv(), CmpNumber("missing", Target::kVersion, Result::kGreater, 0)));
  EXPECT_FALSE(Holds(kv(), CmpValue("missing", Result::kEqual, "")));
  EXPECT_FALSE(Holds(kv(), CmpValue("missing", Result::kNotEqual, "x")));
  // The classic "create if absent" lock pattern.
  TxnResponse created = MustTxn(Txn({CmpNumber("lock", Target::kCreate, Result::kEqual, 0)},
                                    {OpPut("lock", "me")}, {OpRange("lock")}));
  EXPECT_TRUE(created.succeeded);
  TxnResponse again = MustTxn(Txn({CmpNumber("lock", Target::kCreate, Result::kEqual, 0)},
                                  {OpPut("lock", "other")}, {OpRange("lock")}));
  EXPECT_FALSE(again.succeeded);
  ASSERT_THAT(again.responses, SizeIs(1));
  ASSERT_NE(As<RangeResponse>(again.responses[0]), nullptr);
  EXPECT_EQ(As<RangeResponse>(again.responses[0])->kvs.at(0).value, "me");
}

TEST_P(TxnConformance, CompareOverARange) {
  MustPut("r/a", "x");
  MustPut("r/b", "x");
  const std::string end = PrefixEnd("r/");
  Compare all_x = CmpValue("r/", Result::kEqual, "x");
  all_x.range_end = end;
  Compare versions = CmpNumber("r/", Target::kVersion, Result::kGreater, 0);
  versions.range_end = end;
  EXPECT_TRUE(Holds(kv(), all_x));
  EXPECT_TRUE(Holds(kv(), versions));
  MustPut("r/c", "y");
  EXPECT_FALSE(Holds(kv(), all_x)) << "every key in the range must satisfy the compare";
  EXPECT_TRUE(Holds(kv(), versions));
  Compare none = CmpNumber("none/", Target::kVersion, Result::kEqual, 0);
  none.range_end = PrefixEnd("none/");
  EXPECT_TRUE(Holds(kv(), none)) << "an empty range compares as a zero KeyValue";
}

TEST_P(TxnConformance, AllComparesMustHold) {
  MustPut("a", "1");
  MustPut("b", "2");
  EXPECT_TRUE(
      MustTxn(Txn({CmpValue("a", Result::kEqual, "1"), CmpValue("b", Result::kEqual, "2")}, {}))
          .succeeded);
  EXPECT_FALSE(
      MustTxn(Txn({CmpValue("a", Result::kEqual, "1"), CmpValue("b", Result::kEqual, "x")}, {}))
          .succeeded);
  EXPECT_TRUE(MustTxn(Txn({}, {})).succeeded) << "no compares: the success branch";
}

TEST_P(TxnConformance, WritesAreOneRevision) {
  MustPut("c", "old");  // 2
  TxnResponse response =
      MustTxn(Txn({}, {OpPut("a", "1"), OpPut("b", "2"), OpDelete("c", "", /*prev_kv=*/true)}));
  EXPECT_EQ(response.revision, 3);
  EXPECT_EQ(kv().CurrentRevision(), 3);
  EXPECT_EQ(MustGet("a"), (KeyValue{"a", "1", 3, 3, 1, 0}));
  EXPECT_EQ(MustGet("b"), (KeyValue{"b", "2", 3, 3, 1, 0}));
  EXPECT_EQ(MustGet("c"), std::nullopt);
  ASSERT_THAT(response.responses, SizeIs(3));
  const DeleteRangeResponse* deleted = As<DeleteRangeResponse>(response.responses[2]);
  ASSERT_NE(deleted, nullptr);
  EXPECT_EQ(deleted->deleted, 1);
  EXPECT_THAT(deleted->prev_kvs, ElementsAre(KeyValue{"c", "old", 2, 2, 1, 0}));
}

TEST_P(TxnConformance, TxnWithoutChangesDoesNotBumpRevision) {
  MustPut("k", "v");  // 2
  TxnResponse reads = MustTxn(Txn({}, {OpRange("k"), OpRange("a", "z")}));
  EXPECT_EQ(reads.revision, 2);
  TxnResponse delete_nothing = MustTxn(Txn({}, {OpDelete("missing")}));
  EXPECT_EQ(delete_nothing.revision, 2);
  EXPECT_EQ(kv().CurrentRevision(), 2);
}

TEST_P(TxnConformance, ReadsSeeEarlierWritesOfTheTxn) {
  MustPut("k", "old");   // 2
  MustPut("j", "gone");  // 3
  TxnResponse response = MustTxn(Txn({}, {OpRange("k"), OpPut("k", "new"), OpRange("k"),
                                          OpDelete("j"), OpRange("j"), OpRange("a", "z")}));
  ASSERT_THAT(response.responses, SizeIs(6));
  const RangeResponse* before = As<RangeResponse>(response.responses[0]);
  const RangeResponse* after = As<RangeResponse>(response.responses[2]);
  const RangeResponse* deleted = As<RangeResponse>(response.responses[4]);
  const RangeResponse* all = As<RangeResponse>(response.responses[5]);
  ASSERT_TRUE(before && after && deleted && all);
  EXPECT_EQ(before->kvs, (std::vector<KeyValue>{{"k", "old", 2, 2, 1, 0}}));
  EXPECT_EQ(after->kvs, (std::vector<KeyValue>{{"k", "new", 2, 4, 2, 0}}));
  EXPECT_THAT(deleted->kvs, IsEmpty());
  EXPECT_THAT(KeysOf(all->kvs), ElementsAre("k"));
  EXPECT_EQ(response.revision, 4);
}

TEST_P(TxnConformance, NestedTxn) {
  TxnResponse response = MustTxn(
      Txn({}, {OpPut("x", "1"),
               OpTxn(Txn({CmpNumber("y", Target::kVersion, Result::kEqual, 0)},
                         {OpPut("y", "created"), OpRange("x")}, {OpPut("z", "existed")}))}));
  EXPECT_TRUE(response.succeeded);
  EXPECT_EQ(response.revision, 2) << "the nested writes share the outer txn's revision";
  ASSERT_THAT(response.responses, SizeIs(2));
  const TxnResponse* nested = As<TxnResponse>(response.responses[1]);
  ASSERT_NE(nested, nullptr);
  EXPECT_TRUE(nested->succeeded);
  ASSERT_THAT(nested->responses, SizeIs(2));
  EXPECT_NE(As<PutResponse>(nested->responses[0]), nullptr);
  const RangeResponse* x = As<RangeResponse>(nested->responses[1]);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->kvs, (std::vector<KeyValue>{{"x", "1", 2, 2, 1, 0}}));
  EXPECT_EQ(MustGet("y"), (KeyValue{"y", "created", 2, 2, 1, 0}));
  EXPECT_EQ(MustGet("z"), std::nullopt);
  EXPECT_EQ(kv().CurrentRevision(), 2);
}

TEST_P(TxnConformance, NestedBranchesMayPutTheSameKey) {
  // etcd's duplicate check lets a nested txn put one key in both branches: only one runs.
  TxnResponse response = MustTxn(
      Txn({}, {OpPut("x", "1"), OpTxn(Txn({CmpNumber("y", Target::kVersion, Result::kEqual, 0)},
                                          {OpPut("y", "created")}, {OpPut("y", "existed")}))}));
  EXPECT_TRUE(response.succeeded);
  EXPECT_EQ(MustGet("y"), (KeyValue{"y", "created", 2, 2, 1, 0}));
}

TEST_P(TxnConformance, NestedComparesSeeTheStateBeforeTheTxn) {
  // etcd evaluates every compare of a txn tree before applying any of its ops.
  MustPut("a", "old");
  TxnResponse response = MustTxn(
      Txn({}, {OpPut("a", "new"), OpTxn(Txn({CmpValue("a", Result::kEqual, "new")},
                                            {OpPut("b", "saw new")}, {OpPut("c", "saw old")}))}));
  ASSERT_THAT(response.responses, SizeIs(2));
  ASSERT_NE(As<TxnResponse>(response.responses[1]), nullptr);
  EXPECT_FALSE(As<TxnResponse>(response.responses[1])->succeeded);
  EXPECT_EQ(MustGet("b"), std::nullopt);
  EXPECT_TRUE(MustGet("c").has_value());
}

TEST_P(TxnConformance, TooManyOps) {
  std::vector<RequestOp> ops;
  for (int i = 0; i < kMaxTxnOps + 1; ++i) ops.push_back(OpPut("k" + std::to_string(i), "v"));
  EXPECT_THAT(kv().Txn(Txn({}, ops)), HasStatus(ErrTooManyOps()));
  EXPECT_THAT(kv().Txn(Txn({CmpValue("x", Result::kEqual, "y")}, {}, ops)),
              HasStatus(ErrTooManyOps()));
  std::vector<Compare> compares(kMaxTxnOps + 1,
                                CmpNumber("x", Target::kVersion, Result::kEqual, 0));
  EXPECT_THAT(kv().Txn(Txn(compares, {})), HasStatus(ErrTooManyOps()));
  EXPECT_EQ(MustRange(PrefixOf("k")).count, 0);
  EXPECT_EQ(kv().CurrentRevision(), 1);

  ops.pop_back();  // exactly the limit is fine
  TxnResponse response = MustTxn(Txn({}, ops));
  EXPECT_EQ(response.responses.size(), static_cast<size_t>(kMaxTxnOps));
  EXPECT_EQ(MustRange(PrefixOf("k")).count, kMaxTxnOps);
  EXPECT_EQ(kv().CurrentRevision(), 2);
}

TEST_P(TxnConformance, DuplicateKeyInOneBranch) {
  MustPut("k", "v");  // 2
  EXPECT_THAT(kv().Txn(Txn({}, {OpPut("k", "1"), OpPut("k", "2")})), HasStatus(ErrDuplicateKey()));
  EXPECT_THAT(kv().Txn(Txn({}, {OpPut("k", "1"), OpDelete("a", "z")})),
              HasStatus(ErrDuplicateKey()))
      << "a put inside a deleted range of the same branch";
  EXPECT_THAT(kv().Txn(Txn({}, {OpPut("n", "1"), OpTxn(Txn({}, {OpPut("n", "2")}))})),
              HasStatus(ErrDuplicateKey()))
      << "a put repeated in a nested txn";
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "v", 2, 2, 1, 0}));
  EXPECT_EQ(MustGet("n"), std::nullopt);
  EXPECT_EQ(kv().CurrentRevision(), 2);
  // The same key in the success and the failure branch is fine: only one of them runs.
  EXPECT_TRUE(MustTxn(Txn({}, {OpPut("k", "s")}, {OpPut("k", "f")})).succeeded);
  EXPECT_EQ(MustGet("k")->value, "s");
}

TEST_P(TxnConformance, FailingOpAbortsTheWholeTxn) {
  MustPut("k", "v");  // 2
  EXPECT_THAT(kv().Txn(Txn({}, {OpPut("a", "1"), OpPut("b", "2", /*lease=*/0x5151)})),
              HasStatus(ErrLeaseNotFound()));
  RequestOp ignore_missing{PutRequest{.key = "missing", .ignore_value = true}};
  EXPECT_THAT(kv().Txn(Txn({}, {OpDelete("k"), ignore_missing})), HasStatus(ErrKeyNotFound()));
  EXPECT_THAT(kv().Txn(Txn({}, {OpPut("c", "1"), OpPut("", "2")})), HasStatus(ErrEmptyKey()));
  EXPECT_THAT(kv().Txn(Txn({CmpValue("", Result::kEqual, "x")}, {OpPut("c", "1")})),
              HasStatus(ErrEmptyKey()));
  EXPECT_EQ(MustGet("a"), std::nullopt);
  EXPECT_EQ(MustGet("c"), std::nullopt);
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "v", 2, 2, 1, 0})) << "the delete must not apply";
  EXPECT_EQ(kv().CurrentRevision(), 2);
}

TEST_P(TxnConformance, TooLargeTxnIsRejected) {
  const std::string one_mib(1 << 20, 'x');
  EXPECT_THAT(kv().Txn(Txn({}, {OpPut("a", one_mib), OpPut("b", one_mib)})),
              HasStatus(ErrRequestTooLarge()));
  EXPECT_EQ(MustGet("a"), std::nullopt);
  EXPECT_EQ(kv().CurrentRevision(), 1);
}

TEST_P(TxnConformance, PutWithLeaseInsideTxn) {
  const int64_t lease = MustGrant(600);
  MustTxn(Txn({}, {OpPut("a", "1", lease)}));
  EXPECT_EQ(MustGet("a"), (KeyValue{"a", "1", 2, 2, 1, lease}));
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse ttl, kv().LeaseTimeToLive(lease, true));
  EXPECT_THAT(ttl.keys, ElementsAre("a"));
}

}  // namespace
}  // namespace aio::store::conformance

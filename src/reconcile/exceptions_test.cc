// Exception queue over SQLite: idempotent upsert, filters, the state machine,
// the audit trail, and a write-off that needs a second, finance approver.
#include "reconcile/exceptions.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "reconcile/test_util_internal.h"

namespace hub::reconcile {
namespace {

using testing::Usd;

class QueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::path(::testing::TempDir()) /
            (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".db");
    std::filesystem::remove(path_);
    auto s = store::OpenSqliteStore({.path = path_.string(), .synchronous_full = false});
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate(ReconcileMigrations()).has_value());
    auto c = store_->Connect();
    ASSERT_TRUE(c.has_value());
    conn_ = std::move(*c);
    queue_ = std::make_unique<ExceptionQueue>(*conn_, clock_, ExceptionQueue::Accounts{});
  }
  void TearDown() override {
    queue_.reset();
    conn_.reset();
    store_.reset();
    std::filesystem::remove(path_);
  }

  ExceptionRecord Residual() {
    ExceptionRecord r;
    r.reason = ReasonCode::kPayoutResidual;
    r.gateway = "stripe";
    r.payout_id = "po_1";
    r.amount = Usd(-5);
    r.message = "residual -0.05";
    r.candidates = {{"ch_1", Usd(100), 900'000}};
    r.id = MakeExceptionId(r.reason, r.gateway, r.payout_id);
    return r;
  }

  std::filesystem::path path_;
  FakeClock clock_{testing::Day(3)};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::Connection> conn_;
  std::unique_ptr<ExceptionQueue> queue_;
};

TEST_F(QueueTest, WriteOffByItsRequesterIsDeniedThenASecondFinanceApproverPosts) {
  const std::vector<ExceptionRecord> recs = {Residual()};
  const auto added = queue_->Upsert(recs);
  ASSERT_TRUE(added.has_value()) << added.error().ToString();
  ASSERT_EQ(*added, 1);
  const std::string id = recs[0].id;
  const Actor clerk{"ana", {"finance"}};
  const Actor viewer{"bob", {}};
  const Actor controller{"cy", {"finance"}};
  ASSERT_TRUE(queue_->Assign(id, clerk, "ana").has_value());
  EXPECT_EQ(queue_->ApproveWriteOff(id, controller).error().code,
            ErrorCode::kFailedPrecondition);  // nothing requested yet
  ASSERT_TRUE(queue_->RequestWriteOff(id, clerk, "rounding at the gateway").has_value());
  EXPECT_EQ(queue_->ApproveWriteOff(id, clerk).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(queue_->ApproveWriteOff(id, viewer).error().code, ErrorCode::kPermissionDenied);
  const auto draft = queue_->ApproveWriteOff(id, controller);
  ASSERT_TRUE(draft.has_value()) << draft.error().ToString();
  ASSERT_EQ(draft->postings.size(), 2u);
  EXPECT_EQ(draft->postings[0].account, "6100");
  EXPECT_EQ(draft->postings[0].amount, Usd(-5));
  EXPECT_EQ(draft->postings[1].amount, Usd(5));
  EXPECT_EQ(draft->idempotency_key, "reconcile:write_off:" + id);
  EXPECT_EQ(queue_->Get(id)->state, ExceptionState::kWrittenOff);
  const auto audit = queue_->Audit(id);
  ASSERT_TRUE(audit.has_value());
  ASSERT_EQ(audit->size(), 4u);  // created, assign, request_write_off, write_off
  EXPECT_EQ((*audit)[3].actor, "cy");
  EXPECT_EQ((*audit)[3].before, "assigned");
  EXPECT_EQ((*audit)[3].after, "written_off");
  EXPECT_EQ(queue_->Resolve(id, clerk, ResolveAction::kIgnore, "", "").error().code,
            ErrorCode::kFailedPrecondition);
}

TEST_F(QueueTest, UpsertIsIdempotentAndDoesNotReopen) {
  const std::vector<ExceptionRecord> recs = {Residual()};
  ASSERT_EQ(*queue_->Upsert(recs), 1);
  ASSERT_TRUE(
      queue_->Resolve(recs[0].id, {"ana", {}}, ResolveAction::kMatch, "ch_1", "found").has_value());
  EXPECT_EQ(*queue_->Upsert(recs), 0);
  const auto got = queue_->Get(recs[0].id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->state, ExceptionState::kResolved);
  EXPECT_EQ(got->candidates, recs[0].candidates);
  EXPECT_EQ(got->amount, Usd(-5));
}

TEST_F(QueueTest, ListFiltersByReasonAndState) {
  ExceptionRecord other = Residual();
  other.reason = ReasonCode::kDuplicateLine;
  other.id = MakeExceptionId(other.reason, "stripe", "po_1/txn_1");
  const std::vector<ExceptionRecord> recs = {Residual(), other};
  ASSERT_EQ(*queue_->Upsert(recs), 2);
  const auto dups = queue_->List({.reason = ReasonCode::kDuplicateLine});
  ASSERT_TRUE(dups.has_value());
  ASSERT_EQ(dups->size(), 1u);
  EXPECT_EQ((*dups)[0].id, "duplicate_line:stripe:po_1/txn_1");
  EXPECT_EQ(queue_->List({.state = ExceptionState::kOpen})->size(), 2u);
  EXPECT_EQ(queue_->Get("nope").error().code, ErrorCode::kNotFound);
}

TEST(ReasonNames, AreStableAndRoundTrip) {
  EXPECT_EQ(ReasonName(ReasonCode::kUnmatchedPayoutLine), "unmatched_payout_line");
  EXPECT_EQ(ReasonName(ReasonCode::kMissingPayout), "missing_payout");
  for (ReasonCode r : kAllReasons) {
    EXPECT_EQ(*ParseReason(ReasonName(r)), r);
  }
  EXPECT_FALSE(ParseReason("late").has_value());
}

}  // namespace
}  // namespace hub::reconcile

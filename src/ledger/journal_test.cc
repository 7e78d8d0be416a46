// The journal: every posting control of DESIGN.md §3 refuses with a specific
// code and a message naming the entry, idempotency answers repeats, entries
// are append-only (reversals), balances equal the postings, and everything
// survives a reopen of the store.
#include "ledger/journal.h"

#include <gtest/gtest.h>

#include <random>

#include "ledger/codec_internal.h"
#include "ledger/invariants.h"
#include "testing/testing.h"

namespace hub::ledger {
namespace {

Currency Cur(std::string_view code) { return *Currency::FromCode(code); }
Money M(std::string_view decimal, std::string_view code = "USD") {
  return *Money::Parse(decimal, code);
}
Instant At(std::string_view rfc3339) { return *ParseRfc3339(rfc3339); }

Posting P(std::string account, Money amount, std::string order = {}) {
  Posting p;
  p.account = std::move(account);
  p.amount = amount;
  p.dims.order_id = std::move(order);
  return p;
}

EntryDraft Draft(std::string key, std::vector<Posting> postings,
                 Instant at = At("2026-11-10T12:00:00Z")) {
  EntryDraft d;
  d.idempotency_key = std::move(key);
  d.event_type = "test";
  d.effective_at = at;
  d.description = "test entry";
  d.postings = std::move(postings);
  d.source_system = "shopify";
  d.message_id = "msg-" + d.idempotency_key;
  d.correlation_id = "corr-1";
  return d;
}

// Card captured for an order: Dr 1100 / Cr 2300.
EntryDraft Capture(std::string key, std::string order, std::string_view amount,
                   Instant at = At("2026-11-10T12:00:00Z")) {
  return Draft(std::move(key),
               {P("1100", M(amount), order), P("2300", M(amount).Negate().value(), order)}, at);
}

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    journal_.reset();
    store_.reset();
    auto s = store::OpenSqliteStore({.path = (dir_.path() / "ledger.db").string()});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
    auto j = Journal::Open(*store_, DefaultChart());
    ASSERT_TRUE(j) << j.error().ToString();
    journal_ = std::move(*j);
  }
  void ExpectInvariants() {
    auto v = CheckJournal(*journal_);
    ASSERT_TRUE(v) << v.error().ToString();
    for (const Violation& x : *v) {
      ADD_FAILURE() << x.message;
    }
  }
  hub::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Journal> journal_;
};

TEST_F(JournalTest, UnbalancedEntryRefusedWithImbalanceNamed) {
  auto r = journal_->Post(Draft("e1", {P("1100", M("100.00")), P("2300", M("-99.00"))}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnbalanced);
  EXPECT_EQ(r.error().message,
            "entry e1 does not balance: USD debits 100.00, credits 99.00, off by 1.00");
  EXPECT_TRUE(journal_->TrialBalance().empty());
}

TEST_F(JournalTest, UnknownAccountIsUnmapped) {
  auto r = journal_->Post(Draft("e1", {P("1100", M("1.00")), P("9999", M("-1.00"))}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnmapped);
  EXPECT_NE(r.error().message.find("\"9999\""), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().field, "postings[1].account");
}

TEST_F(JournalTest, ZeroPostingRefused) {
  auto r = journal_->Post(
      Draft("e1", {P("1100", M("1.00")), P("2300", M("-1.00")), P("4000", M("0.00"))}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("zero"), std::string::npos) << r.error().message;
}

TEST_F(JournalTest, EmptyEntryAndEmptyKeyRefused) {
  auto r = journal_->Post(Draft("e1", {}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  auto k = journal_->Post(Capture("", "o1", "1.00"));
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().field, "idempotency_key");
}

TEST_F(JournalTest, IdempotentRepeatReturnsSameEntry) {
  auto a = journal_->Post(Capture("cap-1", "o1", "10.00"));
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_FALSE(a->existing);
  auto b = journal_->Post(Capture("cap-1", "o1", "10.00"));
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_TRUE(b->existing);
  EXPECT_EQ(b->entry_id, a->entry_id);
  auto bal = journal_->Balance("1100", Cur("USD"));
  ASSERT_TRUE(bal);
  EXPECT_EQ(bal->debit, 1000);  // applied once
}

TEST_F(JournalTest, SameKeyDifferentContentIsConflict) {
  ASSERT_TRUE(journal_->Post(Capture("cap-1", "o1", "10.00")));
  auto r = journal_->Post(Capture("cap-1", "o1", "10.01"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_NE(r.error().message.find("cap-1"), std::string::npos) << r.error().message;
}

TEST_F(JournalTest, ReversalNegatesAndLinks) {
  auto a = journal_->Post(Capture("cap-1", "o1", "10.00"));
  ASSERT_TRUE(a);
  auto r = journal_->Reverse(a->entry_id, "captured twice", "rev-1");
  ASSERT_TRUE(r) << r.error().ToString();
  auto stored = journal_->Get(r->entry_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->draft.reverses_entry_id, std::to_string(a->entry_id));
  EXPECT_EQ(stored->draft.postings[0].amount, M("-10.00"));
  auto orig = journal_->Get(a->entry_id);
  ASSERT_TRUE(orig);
  EXPECT_EQ(orig->reversed_by, r->entry_id);
  for (const TrialBalanceRow& row : journal_->TrialBalance()) {
    EXPECT_TRUE(row.balance.is_zero()) << row.account;
  }
  // Reversal retried with the same key is an idempotent repeat.
  auto again = journal_->Reverse(a->entry_id, "captured twice", "rev-1");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_TRUE(again->existing);
  ExpectInvariants();
}

TEST_F(JournalTest, DoubleReversalRefused) {
  auto a = journal_->Post(Capture("cap-1", "o1", "10.00"));
  ASSERT_TRUE(a);
  ASSERT_TRUE(journal_->Reverse(a->entry_id, "x", "rev-1"));
  auto r = journal_->Reverse(a->entry_id, "x", "rev-2");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_NE(r.error().message.find("already reversed"), std::string::npos) << r.error().message;
}

TEST_F(JournalTest, ForgedReversalMustNegateOriginal) {
  auto a = journal_->Post(Capture("cap-1", "o1", "10.00"));
  ASSERT_TRUE(a);
  EntryDraft d = Capture("rev-x", "o1", "-5.00");
  d.reverses_entry_id = std::to_string(a->entry_id);
  auto r = journal_->Post(d);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  d.reverses_entry_id = "999";
  EXPECT_EQ(journal_->Post(d).error().code, ErrorCode::kNotFound);
}

TEST_F(JournalTest, ClosedPeriodRefusedAndReopenedWorks) {
  ASSERT_TRUE(journal_->ClosePeriod("2026-11"));
  auto r = journal_->Post(Capture("cap-1", "o1", "10.00", At("2026-11-30T23:59:59Z")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kClosedPeriod);
  EXPECT_NE(r.error().message.find("2026-11"), std::string::npos) << r.error().message;
  // The next month is open (UTC boundaries).
  EXPECT_TRUE(journal_->Post(Capture("cap-2", "o2", "10.00", At("2026-12-01T00:00:00Z"))));
  // A closed period survives a restart.
  Reopen();
  EXPECT_EQ(
      journal_->Post(Capture("cap-1", "o1", "10.00", At("2026-11-30T23:59:59Z"))).error().code,
      ErrorCode::kClosedPeriod);
  ASSERT_TRUE(journal_->OpenPeriod("2026-11"));
  EXPECT_TRUE(journal_->Post(Capture("cap-1", "o1", "10.00", At("2026-11-30T23:59:59Z"))));
  EXPECT_FALSE(journal_->ClosePeriod("2026-13"));
}

TEST_F(JournalTest, TrialBalanceAsOfExcludesLaterEntries) {
  ASSERT_TRUE(journal_->Post(Capture("a", "o1", "10.00", At("2026-11-01T00:00:00Z"))));
  ASSERT_TRUE(journal_->Post(Capture("b", "o2", "5.00", At("2026-11-02T00:00:00Z"))));
  auto find = [](const std::vector<TrialBalanceRow>& rows, std::string_view account) {
    for (const auto& r : rows) {
      if (r.account == account) {
        return r;
      }
    }
    return TrialBalanceRow{};
  };
  const auto now = journal_->TrialBalance();
  EXPECT_EQ(find(now, "1100").balance, M("15.00"));
  EXPECT_EQ(find(now, "2300").balance, M("-15.00"));
  EXPECT_EQ(find(now, "2300").name, "Order clearing");
  const auto then = journal_->TrialBalance(At("2026-11-01T23:59:59Z"));
  EXPECT_EQ(find(then, "1100").balance, M("10.00"));
  EXPECT_EQ(find(then, "1100").debit, M("10.00"));
  EXPECT_TRUE(journal_->TrialBalance(At("2026-10-31T00:00:00Z")).empty());
}

TEST_F(JournalTest, MultiCurrencyEntryMustBalancePerCurrency) {
  // Balanced in total minor units but not per currency.
  auto r = journal_->Post(Draft("fx", {P("1000", M("10.00")), P("1000", M("-10.00", "EUR"))}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnbalanced);
  EXPECT_NE(r.error().message.find("USD debits 10.00, credits 0.00"), std::string::npos)
      << r.error().message;
  auto ok =
      journal_->Post(Draft("fx2", {P("1000", M("10.00")), P("4000", M("-10.00")),
                                   P("1000", M("7.00", "EUR")), P("4000", M("-7.00", "EUR"))}));
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(journal_->TrialBalance().size(), 4u);
  ExpectInvariants();
}

TEST_F(JournalTest, StatementRunningBalance) {
  ASSERT_TRUE(journal_->Post(Capture("a", "o1", "10.00", At("2026-10-31T00:00:00Z"))));
  ASSERT_TRUE(journal_->Post(Capture("b", "o2", "5.00", At("2026-11-02T00:00:00Z"))));
  ASSERT_TRUE(journal_->Post(Capture("c", "o3", "2.50", At("2026-11-01T00:00:00Z"))));
  ASSERT_TRUE(journal_->Post(Capture("d", "o4", "1.00", At("2026-12-01T00:00:00Z"))));
  auto st = journal_->Statement("1100", At("2026-11-01T00:00:00Z"), At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(st) << st.error().ToString();
  ASSERT_EQ(st->opening.size(), 1u);
  EXPECT_EQ(st->opening[0], M("10.00"));
  ASSERT_EQ(st->lines.size(), 2u);
  EXPECT_EQ(st->lines[0].posting.amount, M("2.50"));  // effective-date order
  EXPECT_EQ(st->lines[0].running_balance, M("12.50"));
  EXPECT_EQ(st->lines[1].running_balance, M("17.50"));
  EXPECT_EQ(journal_->Statement("9999", {}, {}).error().code, ErrorCode::kUnmapped);
}

TEST_F(JournalTest, BatchWithOneBadDraftCommitsTheOthers) {
  std::vector<EntryDraft> batch = {
      Capture("a", "o1", "1.00"), Draft("bad", {P("1100", M("1.00")), P("2300", M("-2.00"))}),
      Capture("c", "o3", "3.00"), Capture("a", "o1", "1.00"),  // repeat inside the batch
  };
  auto results = journal_->PostBatch(batch);
  ASSERT_EQ(results.size(), 4u);
  ASSERT_TRUE(results[0]);
  EXPECT_EQ(results[1].error().code, ErrorCode::kUnbalanced);
  ASSERT_TRUE(results[2]);
  ASSERT_TRUE(results[3]);
  EXPECT_TRUE(results[3]->existing);
  EXPECT_EQ(results[3]->entry_id, results[0]->entry_id);
  Reopen();
  auto bal = journal_->Balance("1100", Cur("USD"));
  ASSERT_TRUE(bal);
  EXPECT_EQ(bal->debit, 400);
  ExpectInvariants();
}

TEST_F(JournalTest, PersistenceTrialBalanceSameAfterReopen) {
  ASSERT_TRUE(journal_->Post(Capture("a", "o1", "10.00")));
  ASSERT_TRUE(journal_->Post(
      Draft("f", {P("2300", M("10.00"), "o1"), P("4000", M("-8.00")), P("2100", M("-2.00"))})));
  const auto before = journal_->TrialBalance();
  const auto before_asof = journal_->TrialBalance(At("2026-11-10T12:00:00Z"));
  Reopen();
  const auto after = journal_->TrialBalance();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].account, before[i].account);
    EXPECT_EQ(after[i].balance, before[i].balance);
    EXPECT_EQ(after[i].debit, before[i].debit);
  }
  EXPECT_EQ(journal_->TrialBalance(At("2026-11-10T12:00:00Z")).size(), before_asof.size());
  // Idempotency survives the restart too.
  auto again = journal_->Post(Capture("a", "o1", "10.00"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->existing);
  EXPECT_EQ(journal_->Post(Capture("a", "o1", "11.00")).error().code, ErrorCode::kConflict);
  ExpectInvariants();
}

TEST_F(JournalTest, EntriesByOrderCorrelationAccountAndLineage) {
  EntryDraft split = Draft("split", {P("1100", M("3.00"), "o1"), P("2300", M("-1.00"), "o1"),
                                     P("2300", M("-2.00"), "o2")});
  split.correlation_id = "corr-9";
  ASSERT_TRUE(journal_->Post(Capture("a", "o1", "10.00")));
  auto s = journal_->Post(split);
  ASSERT_TRUE(s);
  ASSERT_TRUE(journal_->Post(Draft("g", {P("1000", M("1.00")), P("2200", M("-1.00"))})));
  auto by_o2 = journal_->Entries({.order_id = "o2", .correlation_id = {}, .account = {}});
  ASSERT_TRUE(by_o2);
  ASSERT_EQ(by_o2->size(), 1u);
  EXPECT_EQ((*by_o2)[0].id, s->entry_id);
  EXPECT_EQ(journal_->Entries({.order_id = "o1", .correlation_id = {}, .account = {}})->size(), 2u);
  EXPECT_EQ(journal_->Entries({.order_id = {}, .correlation_id = "corr-9", .account = {}})->size(),
            1u);
  EXPECT_EQ(journal_->Entries({.order_id = {}, .correlation_id = {}, .account = "2200"})->size(),
            1u);
  auto lin = journal_->Lineage({s->entry_id, 2});
  ASSERT_TRUE(lin) << lin.error().ToString();
  EXPECT_EQ(lin->posting.dims.order_id, "o2");
  EXPECT_EQ(lin->message_id, "msg-split");
  EXPECT_EQ(lin->correlation_id, "corr-9");
  EXPECT_EQ(lin->source_system, "shopify");
  EXPECT_EQ(journal_->Lineage({s->entry_id, 3}).error().code, ErrorCode::kNotFound);
}

TEST_F(JournalTest, OrderClearingAndGiftCardInvariants) {
  ASSERT_TRUE(journal_->Post(Capture("cap", "o1", "10.00")));
  const std::vector<std::string> orders = {"o1"};
  auto open = CheckOrderClearingZero(*journal_, orders);
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_NE((*open)[0].message.find("order o1"), std::string::npos);
  ASSERT_TRUE(journal_->Post(Draft("ful", {P("2300", M("10.00"), "o1"), P("4000", M("-10.00"))})));
  EXPECT_TRUE(CheckOrderClearingZero(*journal_, orders)->empty());
  auto sub = journal_->SubledgerBalance("2300", Cur("USD"), "o1");
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->balance(), 0);
  EXPECT_EQ(sub->debit, 1000);

  ASSERT_TRUE(journal_->Post(Draft("gc", {P("1010", M("50.00")), P("2200", M("-50.00"))})));
  EXPECT_TRUE(GiftCardLiabilityEquals(*journal_, M("50.00"))->empty());
  EXPECT_EQ(GiftCardLiabilityEquals(*journal_, M("40.00"))->size(), 1u);
}

TEST_F(JournalTest, TamperedBalanceIsReported) {
  ASSERT_TRUE(journal_->Post(Capture("cap", "o1", "10.00")));
  ASSERT_TRUE(journal_->connection().Execute(
      "UPDATE ledger_balances SET debit = debit + 1 WHERE account = '1100' AND dimension = ''"));
  auto v = CheckJournal(*journal_);
  ASSERT_TRUE(v);
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ((*v)[0].check, "balances_match_postings");
}

// Property: after many random balanced entries (and some refused ones), the
// stored balances equal the sums of postings and the trial balance nets to zero.
TEST_F(JournalTest, BalancesEqualSumsAfterManyRandomEntries) {
  std::mt19937_64 rng(20261126);
  const std::vector<std::string> accounts = {"1000", "1010", "1100", "2100", "2200",
                                             "2300", "4000", "5000", "6100"};
  std::vector<EntryDraft> batch;
  for (int i = 0; i < 600; ++i) {
    EntryDraft d;
    d.idempotency_key = "r" + std::to_string(i % 550);  // some repeats and conflicts
    d.effective_at =
        Instant::FromSeconds(1'790'000'000 + static_cast<std::int64_t>(rng() % 10'000'000));
    const int legs = 2 + static_cast<int>(rng() % 5);
    std::int64_t sum = 0;
    for (int k = 0; k < legs - 1; ++k) {
      std::int64_t m = static_cast<std::int64_t>(rng() % 100'000) - 50'000;
      if (m == 0) {
        m = 1;
      }
      sum += m;
      d.postings.push_back(P(accounts[rng() % accounts.size()], Money(m, Cur("USD")),
                             "o" + std::to_string(rng() % 50)));
    }
    d.postings.push_back(P("2300", Money(sum == 0 ? 1 : -sum, Cur("USD")), "o1"));
    batch.push_back(std::move(d));
    if (batch.size() == 64) {
      (void)journal_->PostBatch(batch);
      batch.clear();
    }
  }
  (void)journal_->PostBatch(batch);
  ExpectInvariants();
  std::int64_t net = 0;
  for (const TrialBalanceRow& r : journal_->TrialBalance()) {
    net += r.balance.minor_units();
  }
  EXPECT_EQ(net, 0);
  const auto before = journal_->TrialBalance();
  Reopen();
  ExpectInvariants();
  EXPECT_EQ(journal_->TrialBalance().size(), before.size());
}

// Entries live in segments (one per commit): reads across several, in and
// out of the cached one, and after a reopen, return each entry as posted.
TEST_F(JournalTest, EntriesAcrossSegmentsReadBackAsPosted) {
  std::vector<EntryDraft> posted;
  for (int b = 0; b < 4; ++b) {
    std::vector<EntryDraft> batch;
    for (int i = 0; i < 5; ++i) {
      const int n = b * 5 + i;
      EntryDraft d = Capture("k" + std::to_string(n), "o" + std::to_string(n % 3),
                             std::to_string(n + 1) + ".00");
      d.correlation_id = "corr-" + std::to_string(n % 2);
      batch.push_back(d);
    }
    for (const auto& r : journal_->PostBatch(batch)) {
      ASSERT_TRUE(r) << r.error().ToString();
    }
    posted.insert(posted.end(), batch.begin(), batch.end());
  }
  ASSERT_TRUE(journal_->Reverse(7, "test", "rev-7"));
  auto check = [&] {
    // Backwards, so that every other read leaves the cached segment.
    for (std::int64_t id = 20; id >= 1; --id) {
      auto e = journal_->Get(id);
      ASSERT_TRUE(e) << e.error().ToString();
      EXPECT_EQ(e->draft, posted[static_cast<std::size_t>(id - 1)]) << "entry " << id;
      EXPECT_EQ(e->reversed_by, id == 7 ? 21 : 0);
    }
    auto rev = journal_->Get(21);
    ASSERT_TRUE(rev);
    EXPECT_EQ(rev->draft.reverses_entry_id, "7");
    EXPECT_EQ(journal_->Get(22).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(journal_->Get(0).error().code, ErrorCode::kNotFound);
    auto by_o1 = journal_->Entries({.order_id = "o1", .correlation_id = {}, .account = {}});
    ASSERT_TRUE(by_o1);
    std::vector<std::int64_t> ids;
    for (const auto& e : *by_o1) {
      ids.push_back(e.id);
    }
    // n % 3 == 1: entries 2, 5, 8, 11, 14, 17, 20, and the reversal of 7 (n = 6 is o0).
    EXPECT_EQ(ids, (std::vector<std::int64_t>{2, 5, 8, 11, 14, 17, 20}));
    auto by_corr = journal_->Entries({.order_id = {}, .correlation_id = "corr-1", .account = {}});
    ASSERT_TRUE(by_corr);
    EXPECT_EQ(by_corr->size(), 10u);
  };
  check();
  Reopen();
  check();
  ExpectInvariants();
}

// A second Journal on the same database (a CLI command while the hub runs)
// posts in between: the first continues after it, with its keys known.
TEST_F(JournalTest, SecondWriterEntriesAreLoadedBeforeWriting) {
  ASSERT_TRUE(journal_->Post(Capture("a", "o1", "1.00")));
  auto other = Journal::Open(*store_, DefaultChart());
  ASSERT_TRUE(other);
  auto b = (*other)->Post(Capture("b", "o2", "2.00"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->entry_id, 2);
  auto again = journal_->Post(Capture("b", "o2", "2.00"));
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_TRUE(again->existing);
  EXPECT_EQ(again->entry_id, 2);
  auto c = journal_->Post(Capture("c", "o3", "3.00"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->entry_id, 3);
  EXPECT_EQ(journal_->Balance("1100", Cur("USD"))->debit, 600);
  ExpectInvariants();
  // A period the other closes is closed for this one too.
  ASSERT_TRUE((*other)->ClosePeriod("2026-11"));
  auto late = journal_->Post(Capture("d", "o4", "4.00"));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kClosedPeriod);
  ASSERT_TRUE((*other)->OpenPeriod("2026-11"));
  EXPECT_TRUE(journal_->Post(Capture("d", "o4", "4.00")));
}

// A journal written before segments (a row per entry in ledger_entries) is
// converted on open: same ids, contents, queries and balances.
TEST_F(JournalTest, RowPerEntryJournalIsConvertedOnOpen) {
  journal_.reset();
  store_.reset();
  const auto path = (dir_.path() / "v1.db").string();
  std::vector<EntryDraft> drafts = {
      Capture("a", "o1", "10.00"),
      Draft("split",
            {P("1100", M("3.00"), "o1"), P("2300", M("-1.00"), "o1"), P("2300", M("-2.00"), "o2")}),
      Capture("c", "o3", "4.00")};
  {
    auto s = store::OpenSqliteStore({.path = path});
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->Migrate(LedgerMigrations().subspan(0, 1)));  // schema v1 only
    auto conn = (*s)->Connect();
    ASSERT_TRUE(conn);
    auto ins = (*conn)->Prepare(
        "INSERT INTO ledger_entries (id, idempotency_key, effective_at, correlation_id, "
        "order_id, reverses_entry_id, body) VALUES ($1, $2, $3, $4, $5, NULL, $6)");
    ASSERT_TRUE(ins);
    std::string body;
    for (std::size_t i = 0; i < drafts.size(); ++i) {
      internal::EncodeBody(drafts[i], body);
      (*ins)->Reset();
      (*ins)
          ->Bind(1, static_cast<std::int64_t>(i + 1))
          .Bind(2, drafts[i].idempotency_key)
          .Bind(3, drafts[i].effective_at.micros)
          .Bind(4, drafts[i].correlation_id)
          .Bind(5, drafts[i].postings[0].dims.order_id)
          .BindBlob(6, body);
      ASSERT_TRUE((*ins)->Run());
    }
  }
  auto s = store::OpenSqliteStore({.path = path});
  ASSERT_TRUE(s);
  store_ = std::move(*s);
  auto j = Journal::Open(*store_, DefaultChart());
  ASSERT_TRUE(j) << j.error().ToString();
  journal_ = std::move(*j);
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    auto e = journal_->Get(static_cast<std::int64_t>(i + 1));
    ASSERT_TRUE(e) << e.error().ToString();
    EXPECT_EQ(e->draft, drafts[i]);
  }
  EXPECT_EQ(journal_->Entries({.order_id = "o2", .correlation_id = {}, .account = {}})->size(), 1u);
  EXPECT_EQ(journal_->Balance("1100", Cur("USD"))->debit, 1700);
  auto fresh = store_->Connect();  // the journal's own connection caches statements
  ASSERT_TRUE(fresh);
  EXPECT_FALSE((*fresh)->Prepare("SELECT count(*) FROM ledger_entries"));
  auto next = journal_->Post(Capture("d", "o4", "1.00"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->entry_id, 4);
  EXPECT_TRUE(journal_->Post(Capture("a", "o1", "10.00"))->existing);
}

TEST(PeriodTest, MonthsAreUtc) {
  EXPECT_EQ(PeriodName(PeriodOf(At("2026-11-30T23:59:59Z"))), "2026-11");
  EXPECT_EQ(PeriodName(PeriodOf(At("2026-12-01T00:00:00Z"))), "2026-12");
  EXPECT_EQ(PeriodName(PeriodOf(At("2026-12-01T01:00:00+02:00"))), "2026-11");
  EXPECT_EQ(PeriodName(PeriodOf(Instant{-1})), "1969-12");
  EXPECT_EQ(*ParsePeriod("2026-01"), PeriodOf(At("2026-01-15T00:00:00Z")));
  EXPECT_FALSE(ParsePeriod("2026-1"));
}

}  // namespace
}  // namespace hub::ledger

// Reconciliation exceptions: the stable reason codes, the exception record the
// matcher produces, and ExceptionQueue, which persists them through
// hub::store with states open -> assigned -> resolved / written_off and an
// audit trail (who, when, before, after). Reason names and state names are
// persisted: never renamed, only appended. A write-off needs a finance
// approver other than its requester and yields an adjusting EntryDraft.
// ExceptionQueue uses one Connection: one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/result.h"
#include "core/time.h"
#include "ledger/entry.h"
#include "store/store.h"

namespace hub::reconcile {

enum class ReasonCode : std::uint8_t {
  kUnmatchedPayoutLine = 1,  // no reference and no rule found its expected item
  kTenderNotSettled = 2,     // an expected capture / refund / dispute has no line after N days
  kAmountMismatch = 3,       // the reference is known, the amounts differ beyond tolerance
  kFeeMismatch = 4,          // gross - fee != net, or the fee disagrees with its fee details
  kCurrencyMismatch = 5,     // line and expected item (or payout) in different currencies
  kDuplicateLine = 6,        // the same settlement appears twice
  kUnknownReference = 7,     // the line names a reference the hub has never seen
  kUnknownCategory = 8,      // a line kind the hub cannot account for
  kPayoutResidual = 9,       // the lines do not add up to the amount paid
  kMissingPayout = 10,       // payout without bank deposit, or deposit without payout
};
inline constexpr ReasonCode kAllReasons[] = {
    ReasonCode::kUnmatchedPayoutLine, ReasonCode::kTenderNotSettled, ReasonCode::kAmountMismatch,
    ReasonCode::kFeeMismatch,         ReasonCode::kCurrencyMismatch, ReasonCode::kDuplicateLine,
    ReasonCode::kUnknownReference,    ReasonCode::kUnknownCategory,  ReasonCode::kPayoutResidual,
    ReasonCode::kMissingPayout};

std::string_view ReasonName(ReasonCode r);  // "unmatched_payout_line"
Result<ReasonCode> ParseReason(std::string_view name);

enum class ExceptionState : std::uint8_t {
  kOpen = 1,
  kAssigned = 2,
  kResolved = 3,
  kWrittenOff = 4
};
std::string_view StateName(ExceptionState s);  // "open", "assigned", "resolved", "written_off"
Result<ExceptionState> ParseState(std::string_view name);

// A possible counterpart for an exception, best first.
struct Candidate {
  std::string reference;  // expected item reference (tender gateway ref / refund / dispute id)
  Money amount;
  std::int64_t score_ppm = 0;  // 1'000'000 = identical amount and date
  friend bool operator==(const Candidate&, const Candidate&) = default;
};

struct ExceptionRecord {
  // Deterministic: "<reason>:<gateway>:<subject>", so a re-run finds the same
  // exception instead of raising a second one.
  std::string id;
  ReasonCode reason = ReasonCode::kUnmatchedPayoutLine;
  std::string gateway;
  std::string payout_id;  // empty for tender_not_settled
  std::string line_id;    // the payout line, if one
  std::string reference;  // the expected item / reference concerned
  // Signed amount of the difference left in gateway clearing (positive: the
  // hub expects money it has not received). A write-off posts exactly this.
  Money amount;
  std::string message;
  std::vector<Candidate> candidates;
  ExceptionState state = ExceptionState::kOpen;
  std::string assignee;
  std::string write_off_requested_by;
  std::string resolution;  // "match:<ref>", "ignore", "write_off", with a note
  Instant created_at;
  Instant updated_at;
  friend bool operator==(const ExceptionRecord&, const ExceptionRecord&) = default;
};

std::string MakeExceptionId(ReasonCode reason, std::string_view gateway, std::string_view subject);

// Who acts on the queue. Roles come from the caller's authentication.
struct Actor {
  std::string id;
  std::vector<std::string> roles;  // "finance" may approve write-offs
  bool Has(std::string_view role) const;
};

struct AuditRow {
  std::string exception_id;
  std::int64_t seq = 0;
  std::string actor;
  Instant at;
  std::string action;  // "created", "assign", "resolve", "request_write_off", "write_off"
  std::string before;  // state before
  std::string after;   // state after
  std::string note;
};

struct ExceptionFilter {
  std::optional<ReasonCode> reason;
  std::optional<ExceptionState> state;
  std::string payout_id;      // empty: any
  std::int64_t limit = 1000;  // rows_max of one page
};

enum class ResolveAction : std::uint8_t { kMatch = 1, kIgnore = 2 };

// Schema of the reconcile module (module "reconcile").
std::span<const store::Migration> ReconcileMigrations();

class ExceptionQueue {
 public:
  // `write_off_account` / `clearing_account_for` decide the adjusting entry.
  struct Accounts {
    std::string write_off = "6100";
    std::string clearing = "1100";
  };
  ExceptionQueue(store::Connection& conn, const Clock& clock, Accounts accounts)
      : conn_(conn), clock_(clock), accounts_(std::move(accounts)) {}

  // Inserts the records not yet known (by id); known ones are left as they
  // are (a re-run does not reopen a resolved exception). Returns how many
  // were new. One transaction.
  Result<std::int64_t> Upsert(std::span<const ExceptionRecord> records);
  Result<ExceptionRecord> Get(std::string_view id);
  Result<std::vector<ExceptionRecord>> List(const ExceptionFilter& filter);
  Result<std::vector<AuditRow>> Audit(std::string_view id);

  // open/assigned -> assigned.
  Status Assign(std::string_view id, const Actor& actor, std::string_view assignee);
  // open/assigned -> resolved. kMatch needs `matched_reference`.
  Status Resolve(std::string_view id, const Actor& actor, ResolveAction action,
                 std::string_view matched_reference, std::string_view note);
  // Marks a write-off as requested by `actor`; the state does not change yet.
  Status RequestWriteOff(std::string_view id, const Actor& actor, std::string_view note);
  // A finance approver other than the requester: -> written_off, and the
  // adjusting entry (Dr write-off / Cr clearing, the exception's amount).
  // kPermissionDenied for the requester or a non-finance approver.
  Result<ledger::EntryDraft> ApproveWriteOff(std::string_view id, const Actor& approver);

 private:
  Status Transition(const ExceptionRecord& before, const ExceptionRecord& after, const Actor& actor,
                    std::string_view action, std::string_view note);

  store::Connection& conn_;
  const Clock& clock_;
  Accounts accounts_;
};

}  // namespace hub::reconcile

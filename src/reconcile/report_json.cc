// Report structs -> Boost.JSON objects.
#include "reconcile/report_json.h"

namespace hub::reconcile {

namespace json = boost::json;

namespace {

json::value M(const Money& m) {
  if (!m.currency().valid()) {
    return nullptr;
  }
  return json::object{{"amount", m.ToDecimal()}, {"currency", m.currency().code()}};
}

double Share(std::int64_t part, std::int64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

json::object ToJson(const PayoutProof& v) {
  json::array blocked;
  for (ReasonCode r : v.blocked_by) {
    blocked.push_back(json::string(ReasonName(r)));
  }
  return {{"payout_id", v.payout_id},
          {"gateway", v.gateway},
          {"paid", M(v.paid)},
          {"charges", M(v.charges)},
          {"refunds", M(v.refunds)},
          {"disputes", M(v.disputes)},
          {"adjustments", M(v.adjustments)},
          {"reserves", M(v.reserves)},
          {"commissions", M(v.commissions)},
          {"taxes", M(v.taxes)},
          {"fee_lines", M(v.fee_lines)},
          {"other", M(v.other)},
          {"fees", M(v.fees)},
          {"lines_net", M(v.lines_net)},
          {"residual", M(v.residual)},
          {"closes", v.closes},
          {"blocked_by", std::move(blocked)}};
}

json::object ToJson(const PayoutReport& v) {
  json::array lines;
  for (const PayoutLineReport& l : v.lines) {
    lines.push_back(json::object{{"line_id", l.line_id},
                                 {"kind", l.kind},
                                 {"source_reference", l.source_reference},
                                 {"gross", M(l.gross)},
                                 {"fee", M(l.fee)},
                                 {"net", M(l.net)},
                                 {"status", l.status},
                                 {"pass", l.pass},
                                 {"rule", l.rule},
                                 {"expected_reference", l.expected_reference},
                                 {"late", l.late}});
  }
  json::array ids;
  for (const std::string& id : v.exception_ids) {
    ids.push_back(json::string(id));
  }
  return {{"payout_id", v.payout_id},
          {"gateway", v.gateway},
          {"status", v.status},
          {"proof", ToJson(v.proof)},
          {"lines_matched", v.lines_matched},
          {"lines_partial", v.lines_partial},
          {"lines_exception", v.lines_exception},
          {"lines_not_matchable", v.lines_not_matchable},
          {"matched_gross", M(v.matched_gross)},
          {"unmatched_gross", M(v.unmatched_gross)},
          {"residual", M(v.proof.residual)},
          {"bank_row_id", v.bank_row_id},
          {"lines", std::move(lines)},
          {"exception_ids", std::move(ids)}};
}

json::object ToJson(const ClearingReport& v) {
  return {{"gateway", v.gateway},
          {"account", v.account},
          {"clearing_balance", M(v.clearing_balance)},
          {"unsettled_tenders", M(v.unsettled_tenders)},
          {"unsettled_refunds", M(v.unsettled_refunds)},
          {"unsettled_disputes", M(v.unsettled_disputes)},
          {"expected_balance", M(v.expected_balance)},
          {"difference", M(v.difference)},
          {"ties", v.ties}};
}

json::object ToJson(const AgingReport& v) {
  json::array buckets;
  for (const AgingBucket& b : v.buckets) {
    buckets.push_back(json::object{{"days", b.label}, {"count", b.count}, {"amount", M(b.amount)}});
  }
  return {{"gateway", v.gateway},
          {"currency", v.currency.valid() ? v.currency.code() : std::string_view()},
          {"buckets", std::move(buckets)}};
}

json::object ToJson(const ExceptionRecord& v) {
  json::array candidates;
  for (const Candidate& c : v.candidates) {
    candidates.push_back(json::object{
        {"reference", c.reference}, {"amount", M(c.amount)}, {"score_ppm", c.score_ppm}});
  }
  return {{"id", v.id},
          {"reason", ReasonName(v.reason)},
          {"gateway", v.gateway},
          {"payout_id", v.payout_id},
          {"line_id", v.line_id},
          {"reference", v.reference},
          {"amount", M(v.amount)},
          {"message", v.message},
          {"candidates", std::move(candidates)},
          {"state", StateName(v.state)},
          {"assignee", v.assignee},
          {"write_off_requested_by", v.write_off_requested_by},
          {"resolution", v.resolution},
          {"created_at", FormatRfc3339(v.created_at)},
          {"updated_at", FormatRfc3339(v.updated_at)}};
}

json::object ToJson(const AuditRow& v) {
  return {{"exception_id", v.exception_id},
          {"seq", v.seq},
          {"actor", v.actor},
          {"at", FormatRfc3339(v.at)},
          {"action", v.action},
          {"before", v.before},
          {"after", v.after},
          {"note", v.note}};
}

json::object ToJson(const PassStats& v) {
  return {{"lines_total", v.lines_total},
          {"lines_matchable", v.lines_matchable},
          {"matched_pass1", v.matched_pass1},
          {"matched_pass2", v.matched_pass2},
          {"matched_pass3", v.matched_pass3},
          {"partial", v.partial},
          {"late", v.late},
          {"line_exceptions", v.line_exceptions},
          {"share_pass1", Share(v.matched_pass1, v.lines_matchable)},
          {"share_pass2", Share(v.matched_pass2, v.lines_matchable)},
          {"share_pass3", Share(v.matched_pass3, v.lines_matchable)},
          {"expected_total", v.expected_total},
          {"expected_settled", v.expected_settled}};
}

}  // namespace hub::reconcile

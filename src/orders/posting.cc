// PostingEngine: the journal templates of DESIGN.md §3. Each Post* reads the
// order state before the event and returns drafts; nothing is mutated here.
// Pro rata amounts (partial shipments, partial returns) are cumulative
// largest-remainder shares, so the parts over all events sum to the whole.
#include "orders/posting.h"

#include <fmt/format.h>

#include <array>
#include <map>
#include <utility>

namespace hub::orders {
namespace {

using ledger::Dimensions;
using ledger::EntryDraft;
using ledger::Posting;

// Postings merged by (account, memo, dimensions), in first-seen order.
class Lines {
 public:
  Status Add(const std::string& account, const Money& amount, std::string memo,
             const Dimensions& dims) {
    if (amount.is_zero()) {
      return Ok();
    }
    for (Posting& p : postings_) {
      if (p.account == account && p.memo == memo && p.dims == dims) {
        HUB_TRY(p.amount, p.amount.Add(amount));
        return Ok();
      }
    }
    postings_.push_back(Posting{account, amount, dims, std::move(memo)});
    return Ok();
  }
  Status Credit(const std::string& account, const Money& amount, std::string memo,
                const Dimensions& dims) {
    HUB_TRY(const Money negative, amount.Negate());
    return Add(account, negative, std::move(memo), dims);
  }
  // Sum of all postings (credits negative).
  Result<Money> Sum(Currency c) const {
    Money sum = Money::Zero(c);
    for (const Posting& p : postings_) {
      HUB_TRY(sum, sum.Add(p.amount));
    }
    return sum;
  }
  std::vector<Posting> Take() { return std::move(postings_); }
  bool empty() const { return postings_.empty(); }

 private:
  std::vector<Posting> postings_;
};

EntryDraft Draft(std::string key, std::string event_type, Instant at, std::string description,
                 const Lineage& l) {
  EntryDraft e;
  e.idempotency_key = std::move(key);
  e.event_type = std::move(event_type);
  e.effective_at = at;
  e.description = std::move(description);
  e.source_system = l.source_system;
  e.source_id = l.source_id;
  e.message_id = l.message_id;
  e.correlation_id = l.correlation_id;
  return e;
}

Dimensions OrderDims(const OrderRecord& o, std::string location, std::string gateway = {}) {
  Dimensions d;
  d.order_id = o.order_id;
  d.channel = std::string(ChannelName(o.channel));
  d.location = location.empty() ? o.location_id : std::move(location);
  d.gateway = std::move(gateway);
  d.customer = o.customer;
  return d;
}

// The share of `amount` for `upto` of `total` units (largest remainder).
Result<Money> Share(const Money& amount, std::int64_t upto, std::int64_t total) {
  if (upto == 0) {
    return Money::Zero(amount.currency());
  }
  if (upto == total) {
    return amount;
  }
  const std::array<std::int64_t, 2> weights = {upto, total - upto};
  HUB_TRY(const std::vector<Money> parts, amount.Allocate(weights));
  return parts[0];
}

// The share for units (from, from + quantity] of total.
Result<Money> Slice(const Money& amount, std::int64_t from, std::int64_t quantity,
                    std::int64_t total) {
  HUB_TRY(const Money upto, Share(amount, from + quantity, total));
  HUB_TRY(const Money before, Share(amount, from, total));
  return upto.Sub(before);
}

std::string PresentmentMemo(const std::optional<Money>& presentment) {
  return presentment.has_value() ? fmt::format(" (presentment {})", presentment->ToString()) : "";
}

Result<std::size_t> LineIndex(const OrderRecord& o, std::string_view line_id,
                              std::string_view sku) {
  for (std::size_t i = 0; i < o.lines.size(); ++i) {
    if (!line_id.empty() ? o.lines[i].line_id == line_id : o.lines[i].sku == sku) {
      return i;
    }
  }
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("order {} has no line '{}' (sku '{}')", o.order_id, line_id, sku),
              "lines");
}

}  // namespace

std::string_view TenderKindName(TenderKind k) {
  switch (k) {
    case TenderKind::kCard:
      return "card";
    case TenderKind::kGiftCard:
      return "gift_card";
    case TenderKind::kCash:
      return "cash";
    case TenderKind::kStoreCredit:
      return "store_credit";
    case TenderKind::kMarketplace:
      return "marketplace";
    case TenderKind::kOther:
      return "other";
  }
  return "other";
}

std::string_view ChannelName(Channel c) {
  switch (c) {
    case Channel::kWeb:
      return "web";
    case Channel::kPos:
      return "pos";
    case Channel::kMarketplace:
      return "marketplace";
    case Channel::kOther:
      return "other";
  }
  return "other";
}

Status CheckBalanced(const EntryDraft& entry) {
  std::map<std::string, std::int64_t> sums;
  for (const Posting& p : entry.postings) {
    std::int64_t& s = sums[std::string(p.amount.currency().code())];
    if (__builtin_add_overflow(s, p.amount.minor_units(), &s)) {
      return Fail(ErrorCode::kOverflow,
                  fmt::format("entry {} overflows when summed", entry.idempotency_key));
    }
  }
  for (const auto& [currency, sum] : sums) {
    if (sum != 0) {
      return Fail(ErrorCode::kUnbalanced,
                  fmt::format("entry {} does not balance: {} {} remains", entry.idempotency_key,
                              Money(sum, *Currency::FromCode(currency)).ToDecimal(), currency));
    }
  }
  return Ok();
}

namespace {

// Resolves a rule's account reference.
Result<std::string> Resolve(const PostingConfig& c, std::string_view ref, std::string_view gateway,
                            TenderKind kind) {
  if (ref == "tender") {
    return c.ClearingAccount(gateway, kind);
  }
  if (c.accounts.contains(ref)) {
    return c.Account(ref);
  }
  return std::string(ref);
}

// Splits a refund over the order's tenders in the configured kind order,
// each up to what it has captured and not yet refunded.
Result<std::vector<Money>> SplitRefund(const PostingConfig& c, const OrderRecord& o,
                                       const Money& total) {
  std::vector<Money> split(o.tenders.size(), Money::Zero(o.currency));
  std::int64_t remaining = total.minor_units();
  for (const TenderKind kind : c.refund_order) {
    for (std::size_t i = 0; i < o.tenders.size() && remaining > 0; ++i) {
      const TenderState& t = o.tenders[i];
      if (t.kind != kind || t.voided || !t.captured.currency().valid()) {
        continue;
      }
      const std::int64_t available = t.captured.minor_units() - t.refunded.minor_units();
      const std::int64_t take = std::min(available, remaining);
      if (take > 0) {
        split[i] = Money(take, o.currency);
        remaining -= take;
      }
    }
  }
  if (remaining > 0) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("refund {} for order '{}' exceeds what its tenders captured by {}",
                            total.ToString(), o.order_id, Money(remaining, o.currency).ToString()),
                "tenders");
  }
  return split;
}

// Cr each tender its share of a refund.
Status CreditTenders(const PostingConfig& c, const OrderRecord& o, const std::vector<Money>& split,
                     const std::string& location, Lines& lines) {
  for (std::size_t i = 0; i < split.size(); ++i) {
    const TenderState& t = o.tenders[i];
    if (split[i].is_zero()) {
      continue;
    }
    HUB_TRY(const std::string account, c.ClearingAccount(t.gateway, t.kind));
    HUB_TRY_STATUS(lines.Credit(account, split[i],
                                fmt::format("refund to {} {}", TenderKindName(t.kind), t.tender_id),
                                OrderDims(o, location, t.gateway)));
  }
  return Ok();
}

// Dr 1300 / Cr 5000 for restocked units, Dr 6200 / Cr 5000 for the rest.
Status ReturnCosts(const PostingConfig& c, const std::vector<ReturnLine>& returned,
                   Currency currency, const Dimensions& dims, Lines& lines) {
  HUB_TRY(const std::string inventory, c.Account("inventory"));
  HUB_TRY(const std::string writeoff, c.Account("inventory_writeoff"));
  HUB_TRY(const std::string cogs, c.Account("cogs"));
  Money restocked = Money::Zero(currency);
  Money written_off = Money::Zero(currency);
  for (const ReturnLine& rl : returned) {
    HUB_TRY(const Money unit, c.UnitCost(rl.sku, currency));
    HUB_TRY(const Money cost, unit.Multiply(rl.quantity));
    Money& bucket = rl.restock ? restocked : written_off;
    HUB_TRY(bucket, bucket.Add(cost));
  }
  HUB_TRY_STATUS(lines.Add(inventory, restocked, "restock at cost", dims));
  HUB_TRY_STATUS(lines.Add(writeoff, written_off, "write-off at cost", dims));
  HUB_TRY(const Money total, restocked.Add(written_off));
  return lines.Credit(cogs, total, "cost of returned goods", dims);
}

// The credit memo of a return with receipt: Dr 4100 net, Dr tax / Cr the
// original tenders (configured order); restock or write-off at cost.
Result<Posted> ReturnEntry(const PostingConfig& c, const OrderRecord& o,
                           const std::vector<ReturnLine>& returned, const std::string& location,
                           EntryDraft draft) {
  HUB_TRY_STATUS(c.CheckLocation(location));
  HUB_TRY(const std::string returns, c.Account("returns"));
  HUB_TRY(const std::string gift_cards, c.Account("gift_card_liability"));
  const Dimensions dims = OrderDims(o, location);
  std::vector<std::int64_t> counts;
  for (const LineState& l : o.lines) {
    counts.push_back(l.returned);
  }
  Lines lines;
  Money refund = Money::Zero(o.currency);
  std::vector<ReturnLine> costed;
  for (const ReturnLine& rl : returned) {
    HUB_TRY(const std::size_t i, LineIndex(o, rl.line_id, rl.sku));
    const LineState& l = o.lines[i];
    if (rl.quantity <= 0 || counts[i] + rl.quantity > l.fulfilled) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("return of {} x {} exceeds the {} fulfilled and not returned",
                              rl.quantity, l.sku, l.fulfilled - counts[i]),
                  "lines");
    }
    HUB_TRY(const Money net, Slice(l.net, counts[i], rl.quantity, l.quantity));
    HUB_TRY_STATUS(lines.Add(l.gift_card ? gift_cards : returns, net, "returns", dims));
    HUB_TRY(refund, refund.Add(net));
    if (!o.marketplace_collects_tax) {
      for (const TaxShare& t : l.taxes) {
        HUB_TRY(const std::string account, c.TaxAccount(t.code));
        HUB_TRY(const Money tax, Slice(t.amount, counts[i], rl.quantity, l.quantity));
        HUB_TRY_STATUS(lines.Add(account, tax, "tax returned", dims));
        HUB_TRY(refund, refund.Add(tax));
      }
    }
    if (!l.gift_card) {
      costed.push_back(ReturnLine{l.line_id, l.sku, rl.quantity, rl.restock, rl.reason});
    }
    counts[i] += rl.quantity;
  }
  HUB_TRY(std::vector<Money> split, SplitRefund(c, o, refund));
  HUB_TRY_STATUS(CreditTenders(c, o, split, location, lines));
  HUB_TRY_STATUS(ReturnCosts(c, costed, o.currency, dims, lines));
  draft.postings = lines.Take();
  Posted out;
  out.entries.push_back(std::move(draft));
  out.refunds_by_tender = std::move(split);
  return out;
}

}  // namespace

Result<Posted> PostingEngine::PostOrder(const hub::Order& /*order*/) const { return Posted{}; }

Result<Posted> PostingEngine::PostTender(const OrderRecord& before, const hub::Tender& tender,
                                         const Lineage& lineage) const {
  const PostingConfig& c = config_;
  if (tender.status == "captured") {
    HUB_TRY(const PostingRule* rule, c.FindRule("tender.captured", tender.kind, before.channel));
    if (!rule->post) {
      return Posted{};
    }
    HUB_TRY(const std::string debit, Resolve(c, rule->debit, tender.gateway, tender.kind));
    HUB_TRY(const std::string credit, Resolve(c, rule->credit, tender.gateway, tender.kind));
    const Dimensions dims = OrderDims(before, {}, tender.gateway);
    const std::string memo =
        fmt::format("capture {} {}{}", TenderKindName(tender.kind), tender.tender_id,
                    PresentmentMemo(tender.presentment_amount));
    Lines lines;
    HUB_TRY_STATUS(lines.Add(debit, tender.amount, memo, dims));
    HUB_TRY_STATUS(lines.Credit(credit, tender.amount, memo, dims));
    EntryDraft draft = Draft("capture:" + tender.tender_id, "tender.captured", tender.occurred_at,
                             fmt::format("order {} tender captured", before.order_number), lineage);
    draft.postings = lines.Take();
    Posted out;
    out.entries.push_back(std::move(draft));
    return out;
  }
  if (tender.status != "voided") {
    return Posted{};
  }
  // A void after capture gives the money back: the refund rule.
  std::vector<Money> split(before.tenders.size(), Money::Zero(before.currency));
  for (std::size_t i = 0; i < before.tenders.size(); ++i) {
    const TenderState& t = before.tenders[i];
    if (t.tender_id == tender.tender_id && t.captured.currency().valid()) {
      HUB_TRY(split[i], t.captured.Sub(t.refunded));
    }
  }
  Lines lines;
  for (std::size_t i = 0; i < split.size(); ++i) {
    if (split[i].minor_units() <= 0) {
      continue;
    }
    const TenderState& t = before.tenders[i];
    HUB_TRY(const PostingRule* rule, c.FindRule("tender.refunded", t.kind, before.channel));
    if (!rule->post) {
      continue;
    }
    HUB_TRY(const std::string debit, Resolve(c, rule->debit, t.gateway, t.kind));
    HUB_TRY(const std::string credit, Resolve(c, rule->credit, t.gateway, t.kind));
    const Dimensions dims = OrderDims(before, {}, t.gateway);
    HUB_TRY_STATUS(lines.Add(debit, split[i], "void " + t.tender_id, dims));
    HUB_TRY_STATUS(lines.Credit(credit, split[i], "void " + t.tender_id, dims));
  }
  Posted out;
  out.refunds_by_tender = std::move(split);
  if (!lines.empty()) {
    EntryDraft draft = Draft("void:" + tender.tender_id, "tender.voided", tender.occurred_at,
                             fmt::format("order {} tender voided", before.order_number), lineage);
    draft.postings = lines.Take();
    out.entries.push_back(std::move(draft));
  }
  return out;
}

Result<Posted> PostingEngine::PostFulfillment(const OrderRecord& o,
                                              const hub::Fulfillment& f) const {
  const PostingConfig& c = config_;
  const std::string location = f.location_id.empty() ? o.location_id : f.location_id;
  HUB_TRY_STATUS(c.CheckLocation(location));
  HUB_TRY(const PostingRule* rule, c.FindRule("fulfillment", std::nullopt, o.channel));
  if (!rule->post) {
    return Posted{};
  }
  HUB_TRY(const std::string receivable, Resolve(c, rule->debit, {}, TenderKind::kOther));
  HUB_TRY(const std::string revenue, c.Account("revenue"));
  HUB_TRY(const std::string gift_cards, c.Account("gift_card_liability"));
  HUB_TRY(const std::string shipping, c.Account("shipping_revenue"));
  HUB_TRY(const std::string cogs, c.Account("cogs"));
  HUB_TRY(const std::string inventory, c.Account("inventory"));
  const Dimensions dims = OrderDims(o, location);
  std::vector<std::int64_t> counts;
  for (const LineState& l : o.lines) {
    counts.push_back(l.fulfilled);
  }
  Lines revenue_lines;
  Lines tax_lines;
  Money cost = Money::Zero(o.currency);
  for (const FulfillmentLine& fl : f.lines) {
    HUB_TRY(const std::size_t i, LineIndex(o, fl.line_id, fl.sku));
    const LineState& l = o.lines[i];
    if (fl.quantity <= 0 || counts[i] + fl.quantity > l.quantity) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("fulfillment {} ships {} x {} but {} remain", f.fulfillment_id,
                              fl.quantity, l.sku, l.quantity - counts[i]),
                  "lines");
    }
    HUB_TRY(const Money net, Slice(l.net, counts[i], fl.quantity, l.quantity));
    // A gift card sold is a liability, not revenue, and has no cost.
    HUB_TRY_STATUS(revenue_lines.Credit(l.gift_card ? gift_cards : revenue, net,
                                        l.gift_card ? "gift card sold" : "revenue", dims));
    if (!o.marketplace_collects_tax) {
      for (const TaxShare& t : l.taxes) {
        HUB_TRY(const std::string account, c.TaxAccount(t.code));
        HUB_TRY(const Money tax, Slice(t.amount, counts[i], fl.quantity, l.quantity));
        HUB_TRY_STATUS(tax_lines.Credit(account, tax, "tax", dims));
      }
    }
    if (!l.gift_card) {
      HUB_TRY(const Money unit, c.UnitCost(l.sku, o.currency));
      HUB_TRY(const Money line_cost, unit.Multiply(fl.quantity));
      HUB_TRY(cost, cost.Add(line_cost));
    }
    counts[i] += fl.quantity;
  }
  if (f.includes_shipping && !o.shipping_posted) {
    HUB_TRY_STATUS(revenue_lines.Credit(shipping, o.shipping_net, "shipping", dims));
    if (!o.marketplace_collects_tax) {
      for (const TaxShare& t : o.shipping_taxes) {
        HUB_TRY(const std::string account, c.TaxAccount(t.code));
        HUB_TRY_STATUS(tax_lines.Credit(account, t.amount, "tax", dims));
      }
    }
  }
  HUB_TRY(const Money credits, revenue_lines.Sum(o.currency));
  HUB_TRY(const Money taxes, tax_lines.Sum(o.currency));
  HUB_TRY(const Money all_credits, credits.Add(taxes));
  HUB_TRY(const Money gross, all_credits.Negate());
  Lines lines;
  HUB_TRY_STATUS(lines.Add(receivable, gross, "fulfilled gross", dims));
  std::vector<Posting> out_postings = lines.Take();
  for (Posting& p : revenue_lines.Take()) {
    out_postings.push_back(std::move(p));
  }
  for (Posting& p : tax_lines.Take()) {
    out_postings.push_back(std::move(p));
  }
  Lines cost_lines;
  HUB_TRY_STATUS(cost_lines.Add(cogs, cost, "cost of goods sold", dims));
  HUB_TRY_STATUS(cost_lines.Credit(inventory, cost, "cost of goods sold", dims));
  for (Posting& p : cost_lines.Take()) {
    out_postings.push_back(std::move(p));
  }
  const std::string presentment =
      o.presentment_currency.has_value() && !(*o.presentment_currency == o.currency)
          ? fmt::format(", presented in {}", o.presentment_currency->code())
          : "";
  EntryDraft draft =
      Draft("fulfillment:" + f.fulfillment_id, "fulfillment.created", f.occurred_at,
            fmt::format("order {} {} at {}{}", o.order_number,
                        f.kind == FulfillmentMethod::kPickup ? "picked up" : "fulfilled",
                        location.empty() ? "-" : location, presentment),
            f.lineage);
  draft.postings = std::move(out_postings);
  Posted out;
  out.entries.push_back(std::move(draft));
  return out;
}

Result<Posted> PostingEngine::PostReturn(const OrderRecord* before, const hub::Return& r,
                                         const OrderBook& book) const {
  const PostingConfig& c = config_;
  if (before != nullptr && r.with_receipt) {
    const std::string location = r.location_id.empty() ? before->location_id : r.location_id;
    return ReturnEntry(
        c, *before, r.lines, location,
        Draft("return:" + r.return_id, "return.created", r.occurred_at,
              fmt::format("order {} return {}", before->order_number, r.return_id), r.lineage));
  }
  // Without receipt: store credit at the lowest recent price, flagged.
  HUB_TRY_STATUS(c.CheckLocation(r.location_id));
  HUB_TRY(const std::string returns, c.Account("returns"));
  HUB_TRY(const std::string store_credit, c.Account("store_credit"));
  Dimensions dims;
  dims.location = r.location_id;
  Lines lines;
  std::optional<Money> total;
  std::vector<ReturnLine> costed;
  for (const ReturnLine& rl : r.lines) {
    const std::optional<Money> price =
        book.LowestRecentPrice(rl.sku, r.occurred_at, c.no_receipt_lookback_days);
    if (!price.has_value()) {
      return Fail(
          ErrorCode::kUnmapped,
          fmt::format("no recent price for sku '{}' to credit a return without receipt", rl.sku),
          "prices." + rl.sku);
    }
    HUB_TRY(const Money amount, price->Multiply(rl.quantity));
    HUB_TRY_STATUS(lines.Add(returns, amount, "return without receipt " + rl.sku, dims));
    total = total.has_value() ? *total : Money::Zero(amount.currency());
    HUB_TRY(total, total->Add(amount));
    costed.push_back(rl);
  }
  if (!total.has_value()) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("return {} has no lines", r.return_id),
                "lines");
  }
  HUB_TRY_STATUS(lines.Credit(store_credit, *total, "store credit issued", dims));
  HUB_TRY_STATUS(ReturnCosts(c, costed, total->currency(), dims, lines));
  EntryDraft draft = Draft("return:" + r.return_id, "return.created", r.occurred_at,
                           fmt::format("return {} without receipt: store credit at lowest recent "
                                       "price [flagged]",
                                       r.return_id),
                           r.lineage);
  draft.postings = lines.Take();
  Posted out;
  out.entries.push_back(std::move(draft));
  out.flags.push_back("no_receipt_lowest_price");
  return out;
}

Result<Posted> PostingEngine::PostRefund(const OrderRecord& o, const hub::Refund& r) const {
  const PostingConfig& c = config_;
  if (!r.return_id.empty()) {
    if (o.applied.contains("return:" + r.return_id)) {
      return Posted{};  // the return's credit memo already refunded the tenders
    }
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("refund {} pays for return {} which is not known yet", r.refund_id,
                            r.return_id),
                "predecessor");
  }
  EntryDraft draft =
      Draft("refund:" + r.refund_id, "refund.created", r.occurred_at,
            fmt::format("order {} refund {}", o.order_number, r.refund_id), r.lineage);
  if (!r.lines.empty()) {
    return ReturnEntry(c, o, r.lines, o.location_id, std::move(draft));
  }
  if (r.amount.is_zero()) {
    return Posted{};
  }
  if (!(r.amount.currency() == o.currency) || r.amount.is_negative()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("refund {} amount {} is not a positive {} amount", r.refund_id,
                            r.amount.ToString(), o.currency.code()),
                "amount");
  }
  // No lines: before fulfilment the deposit goes back (Dr 2300); after, it is
  // an allowance on the sale (Dr 4100, and the tax part to its account).
  bool fulfilled = false;
  for (const LineState& l : o.lines) {
    fulfilled = fulfilled || l.fulfilled > 0;
  }
  const Dimensions dims = OrderDims(o, {});
  Lines lines;
  if (fulfilled) {
    HUB_TRY(const std::string returns, c.Account("returns"));
    const Money tax = r.tax_refunded.currency().valid() ? r.tax_refunded : Money::Zero(o.currency);
    HUB_TRY(const Money net, r.amount.Sub(tax));
    HUB_TRY(const std::string tax_account, c.TaxAccount(""));
    HUB_TRY_STATUS(lines.Add(returns, net, "refund allowance", dims));
    HUB_TRY_STATUS(lines.Add(tax_account, tax, "tax refunded", dims));
  } else {
    HUB_TRY(const std::string clearing, c.Account("order_clearing"));
    HUB_TRY_STATUS(lines.Add(clearing, r.amount, "deposit refunded", dims));
  }
  HUB_TRY(std::vector<Money> split, SplitRefund(c, o, r.amount));
  HUB_TRY_STATUS(CreditTenders(c, o, split, o.location_id, lines));
  draft.postings = lines.Take();
  Posted out;
  out.entries.push_back(std::move(draft));
  out.refunds_by_tender = std::move(split);
  return out;
}

Result<Posted> PostingEngine::PostCancellation(const OrderRecord& o, const Cancellation& cx) const {
  const PostingConfig& c = config_;
  Posted out;
  out.refunds_by_tender.assign(o.tenders.size(), Money::Zero(o.currency));
  Lines lines;
  for (std::size_t i = 0; i < o.tenders.size(); ++i) {
    const TenderState& t = o.tenders[i];
    if (t.voided || !t.captured.currency().valid()) {
      continue;
    }
    HUB_TRY(const Money remaining, t.captured.Sub(t.refunded));
    if (remaining.minor_units() <= 0) {
      continue;
    }
    out.refunds_by_tender[i] = remaining;
    HUB_TRY(const PostingRule* rule, c.FindRule("tender.refunded", t.kind, o.channel));
    if (!rule->post) {
      continue;
    }
    HUB_TRY(const std::string debit, Resolve(c, rule->debit, t.gateway, t.kind));
    HUB_TRY(const std::string credit, Resolve(c, rule->credit, t.gateway, t.kind));
    const Dimensions dims = OrderDims(o, {}, t.gateway);
    const std::string memo =
        fmt::format("cancelled: refund to {} {}", TenderKindName(t.kind), t.tender_id);
    HUB_TRY_STATUS(lines.Add(debit, remaining, memo, dims));
    HUB_TRY_STATUS(lines.Credit(credit, remaining, memo, dims));
  }
  if (!lines.empty()) {
    EntryDraft draft =
        Draft("cancellation:" + o.order_id, "order.cancelled", cx.occurred_at,
              fmt::format("order {} cancelled: {}", o.order_number, cx.reason), cx.lineage);
    draft.postings = lines.Take();
    out.entries.push_back(std::move(draft));
  }
  return out;
}

Result<Posted> PostingEngine::PostDispute(const hub::Dispute& d, const OrderRecord* order) const {
  const PostingConfig& c = config_;
  if (d.status == "warning_closed") {
    return Posted{};
  }
  HUB_TRY(const std::string clearing, c.ClearingAccount(d.gateway, TenderKind::kCard));
  HUB_TRY(const std::string losses, c.Account("chargeback_losses"));
  HUB_TRY(const std::string fees, c.Account("processing_fees"));
  Dimensions dims = order != nullptr ? OrderDims(*order, {}, d.gateway) : Dimensions{};
  dims.order_id = d.order_id;
  dims.gateway = d.gateway;
  const Money fee = d.fee.currency().valid() ? d.fee : Money::Zero(d.amount.currency());
  HUB_TRY(const Money withdrawn, d.amount.Add(fee));
  const bool won = d.status == "won";
  const std::string opened_key = "dispute:" + d.dispute_id;
  Lines lines;
  if (won) {  // the exact reversal of the opening entry
    HUB_TRY_STATUS(lines.Add(clearing, withdrawn, "dispute won " + d.dispute_id, dims));
    HUB_TRY_STATUS(lines.Credit(losses, d.amount, "dispute won " + d.dispute_id, dims));
    HUB_TRY_STATUS(lines.Credit(fees, fee, "dispute fee returned " + d.dispute_id, dims));
  } else {
    HUB_TRY_STATUS(lines.Add(losses, d.amount, "chargeback " + d.dispute_id, dims));
    HUB_TRY_STATUS(lines.Add(fees, fee, "dispute fee " + d.dispute_id, dims));
    HUB_TRY_STATUS(lines.Credit(clearing, withdrawn, "chargeback " + d.dispute_id, dims));
  }
  EntryDraft draft = Draft(
      won ? opened_key + ":won" : opened_key, won ? "dispute.won" : "dispute.opened", d.occurred_at,
      fmt::format("dispute {} on {} ({})", d.dispute_id, d.charge_reference, d.reason), d.lineage);
  if (won) {
    draft.reverses_entry_id = opened_key;  // the idempotency key of the entry it reverses
  }
  draft.postings = lines.Take();
  Posted out;
  out.entries.push_back(std::move(draft));
  return out;
}

Result<Posted> PostingEngine::PostGiftCard(const hub::GiftCard& g) const {
  const PostingConfig& c = config_;
  const bool sale =
      g.activity == GiftCardActivityKind::kActivate || g.activity == GiftCardActivityKind::kLoad;
  // Redemptions post through the order's tender; sales inside an order
  // through its fulfilment (gift card line -> 2200).
  if (!sale || !g.order_id.empty()) {
    return Posted{};
  }
  HUB_TRY_STATUS(c.CheckLocation(g.location_id));
  HUB_TRY(const PostingRule* rule, c.FindRule("gift_card.sold", g.paid_with, Channel::kPos));
  if (!rule->post) {
    return Posted{};
  }
  HUB_TRY(const std::string debit, Resolve(c, rule->debit, g.gateway, g.paid_with));
  HUB_TRY(const std::string credit, Resolve(c, rule->credit, g.gateway, g.paid_with));
  Dimensions dims;
  dims.location = g.location_id;
  dims.gateway = g.gateway;
  Lines lines;
  const std::string memo = "gift card sold " + g.gift_card_id;
  HUB_TRY_STATUS(lines.Add(debit, g.amount, memo, dims));
  HUB_TRY_STATUS(lines.Credit(credit, g.amount, memo, dims));
  const std::string id = g.lineage.source_id.empty() ? g.gift_card_id : g.lineage.source_id;
  EntryDraft draft =
      Draft(fmt::format("gift_card:{}:{}", id,
                        g.activity == GiftCardActivityKind::kLoad ? "load" : "activate"),
            "gift_card.sold", g.occurred_at,
            fmt::format("gift card {} sold at {}", g.gift_card_id, g.location_id), g.lineage);
  draft.postings = lines.Take();
  Posted out;
  out.entries.push_back(std::move(draft));
  return out;
}

Result<Posted> PostingEngine::PostPayout(const hub::Payout& p) const {
  if (p.lines.empty()) {
    // A payout notice without its lines (Stripe's payout.paid webhook): the
    // journal waits for the settlement lines, which split gross, fees and
    // refunds; posting the net alone would book no fee.
    return Posted{};
  }
  const PostingConfig& c = config_;
  HUB_TRY(const std::string clearing, c.ClearingAccount(p.gateway, TenderKind::kCard));
  HUB_TRY(const std::string bank, c.Account("bank"));
  HUB_TRY(const std::string fees_account, c.Account("processing_fees"));
  HUB_TRY(const std::string commissions_account, c.Account("marketplace_commissions"));
  const Currency cur = p.amount.currency();
  Money settled = Money::Zero(cur);      // charges - refunds - disputes ...: clears the gateway
  Money fees = Money::Zero(cur);         // kept by the gateway
  Money commissions = Money::Zero(cur);  // kept by the marketplace
  for (const PayoutLine& l : p.lines) {
    if (l.kind == PayoutLineKind::kPayout) {
      continue;  // the transfer itself
    }
    if (l.fee.currency().valid()) {
      HUB_TRY(fees, fees.Add(l.fee));
    }
    if (l.kind == PayoutLineKind::kCommission) {
      HUB_TRY(commissions, commissions.Sub(l.gross));  // gross is negative: money kept
    } else {
      HUB_TRY(settled, settled.Add(l.gross));
    }
  }
  HUB_TRY(const Money kept, fees.Add(commissions));
  HUB_TRY(const Money expected_net, settled.Sub(kept));
  if (!(expected_net == p.amount)) {
    return Fail(ErrorCode::kAmountMismatch,
                fmt::format("payout {} is {} but its lines net to {}", p.payout_id,
                            p.amount.ToString(), expected_net.ToString()),
                "lines");
  }
  Dimensions dims;
  dims.gateway = p.gateway;
  dims.payout = p.payout_id;
  Lines lines;
  HUB_TRY_STATUS(lines.Add(bank, p.amount, "payout " + p.payout_id, dims));
  HUB_TRY_STATUS(lines.Add(fees_account, fees, "processing fees", dims));
  HUB_TRY_STATUS(lines.Add(commissions_account, commissions, "marketplace commissions", dims));
  HUB_TRY_STATUS(lines.Credit(clearing, settled, "settled to bank", dims));
  EntryDraft draft = Draft("payout:" + p.payout_id, "payout.paid", p.arrival_at,
                           fmt::format("{} payout {}", p.gateway, p.payout_id), p.lineage);
  draft.postings = lines.Take();
  Posted out;
  out.entries.push_back(std::move(draft));
  return out;
}

}  // namespace hub::orders

// Stripe translation. Stripe objects list keys alphabetically ("amount"
// before "currency"), so integer amounts are collected first and turned into
// Money once the object's currency is known.
#include "connectors/stripe/stripe.h"

#include <fmt/format.h>

#include <cstdlib>

#include "connectors/json_internal.h"
#include "core/model_json.h"

namespace hub {
namespace {

using namespace connectors_internal;  // NOLINT(google-build-using-namespace): private helpers

constexpr std::string_view kSystem = "stripe";

// Stripe's exponent for a currency where it departs from ISO 4217
// (docs.stripe.com/currencies): zero-decimal currencies and ISK (two
// decimals at Stripe, zero in ISO).
int StripeExponent(Currency c) {
  static constexpr std::string_view kZeroDecimal[] = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF",
                                                      "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                                                      "VUV", "XAF", "XOF", "XPF"};
  for (std::string_view z : kZeroDecimal) {
    if (c.code() == z) {
      return 0;
    }
  }
  if (c.code() == "ISK") {
    return 2;
  }
  return c.exponent();
}

// Stripe minor units → Money in ISO minor units.
Money StripeMoney(std::int64_t amount, std::string_view currency, std::string_view leaf) {
  const Currency c = ParseCurrency(currency, "currency");
  int diff = c.exponent() - StripeExponent(c);
  std::int64_t v = amount;
  for (; diff > 0; --diff) {
    if (v > INT64_MAX / 10 || v < INT64_MIN / 10) {
      Throw(ErrorCode::kOverflow, "amount out of range", leaf);
    }
    v *= 10;
  }
  for (; diff < 0; ++diff) {
    if (v % 10 != 0) {
      Throw(ErrorCode::kPrecision,
            fmt::format("{} {} has more precision than ISO 4217 allows", amount, c.code()), leaf);
    }
    v /= 10;
  }
  return Money(v, c);
}

struct Ctx {
  EventIds ids;
  std::string account;
  Instant event_created;
  std::size_t next_index = 0;
  std::vector<Event> events;

  Lineage MakeLineage(std::string source_id) const {
    Lineage l;
    l.source_system = std::string(kSystem);
    l.source_account = account;
    l.source_id = std::move(source_id);
    l.source_version = ids.dedup_key;
    l.correlation_id = ids.correlation_id;
    return l;
  }
  // Payments are keyed by the payment intent when there is one, else the charge.
  std::string PaymentKey(std::string_view payment_intent, std::string_view charge) const {
    return fmt::format("stripe:{}:{}", account, payment_intent.empty() ? charge : payment_intent);
  }
  void Emit(std::string type, std::string key, std::string source_id, Instant at,
            boost::json::object data) {
    events.push_back(MakeEvent(ids, next_index++, std::move(type), std::move(key),
                               std::move(source_id), at, std::move(data)));
  }
};

// Reads a string-or-expanded-object reference ("ch_…" or {"id":"ch_…",…}).
std::string Ref(od::value& v) {
  if (v.type().value() == od::json_type::object) {
    std::string id;
    ForEachField(v, [&](std::string_view k, od::value& f) {
      if (k == "id") {
        id = Id(f);
      }
    });
    return id;
  }
  return Id(v);
}

struct Charge {
  std::string id, payment_intent, status, currency, order_ref;
  std::int64_t amount = 0, amount_captured = -1;
  bool captured = false;
  Instant created;
  std::vector<std::string> refund_ids;  // unused; refunds are read separately
};

struct RefundObj {
  std::string id, charge, payment_intent, status, currency, reason;
  std::int64_t amount = 0;
  Instant created;
};

RefundObj ReadRefund(od::value& v) {
  RefundObj r;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      r.id = Id(f);
    } else if (k == "amount") {
      r.amount = Int(f);
    } else if (k == "currency") {
      r.currency = std::string(Str(f));
    } else if (k == "charge") {
      r.charge = Ref(f);
    } else if (k == "payment_intent") {
      r.payment_intent = Ref(f);
    } else if (k == "status") {
      r.status = std::string(Str(f));
    } else if (k == "reason") {
      r.reason = std::string(Str(f));
    } else if (k == "created") {
      r.created = Time(f).value_or(Instant{});
    }
  });
  return r;
}

void EmitRefund(const RefundObj& r, Ctx& ctx) {
  if (r.status != "succeeded") {
    if (r.status == "failed" || r.status == "canceled") {
      // Handled as its own type so a consumer can reverse a booked refund.
    } else {
      return;  // pending / requires_action: nothing has moved yet
    }
  }
  Refund out;
  out.refund_id = r.id;
  out.order_id = ctx.PaymentKey(r.payment_intent, r.charge);
  out.amount = StripeMoney(r.amount, r.currency, "amount");
  out.shipping_refunded = Money::Zero(out.amount.currency());
  out.tax_refunded = Money::Zero(out.amount.currency());
  Tender t;
  t.tender_id = r.charge;
  t.kind = TenderKind::kCard;
  t.gateway = "stripe";
  t.gateway_reference = r.charge;
  t.amount = out.amount;
  t.status = "refunded";
  t.occurred_at = r.created;
  out.tenders.push_back(std::move(t));
  out.reason = r.reason;
  out.occurred_at = r.created;
  out.lineage = ctx.MakeLineage(r.id);
  std::string key = out.order_id;
  ctx.Emit(r.status == "succeeded" ? "refund.created" : "refund.failed", std::move(key), r.id,
           r.created, ToJson(out, EventStorage()));
}

Charge ReadCharge(od::value& v, std::vector<RefundObj>* refunds) {
  Charge c;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      c.id = Id(f);
    } else if (k == "amount") {
      c.amount = Int(f);
    } else if (k == "amount_captured") {
      c.amount_captured = Int(f);
    } else if (k == "captured") {
      c.captured = Bool(f);
    } else if (k == "currency") {
      c.currency = std::string(Str(f));
    } else if (k == "payment_intent") {
      c.payment_intent = Ref(f);
    } else if (k == "status") {
      c.status = std::string(Str(f));
    } else if (k == "created") {
      c.created = Time(f).value_or(Instant{});
    } else if (k == "refunds" && refunds != nullptr && !IsNull(f)) {
      ForEachField(f, [&](std::string_view rk, od::value& rf) {
        if (rk == "data") {
          ForEachElement(rf,
                         [&](std::int64_t, od::value& r) { refunds->push_back(ReadRefund(r)); });
        }
      });
    }
  });
  if (c.id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "charge id is missing", "id");
  }
  return c;
}

void EmitTender(Ctx& ctx, const std::string& tender_id, const std::string& payment_intent,
                std::int64_t amount, const std::string& currency, bool captured, Instant at) {
  Tender t;
  t.tender_id = tender_id;
  t.kind = TenderKind::kCard;
  t.gateway = "stripe";
  // The charge: what a balance transaction's `source` names when the payout
  // settles it (the payment intent is only the key that orders its events).
  t.gateway_reference = tender_id;
  t.amount = StripeMoney(amount, currency, "amount");
  t.status = captured ? "captured" : "authorized";
  t.occurred_at = at;
  ctx.Emit(captured ? "tender.captured" : "tender.authorized",
           ctx.PaymentKey(payment_intent, tender_id), tender_id, at, ToJson(t, EventStorage()));
}

void TranslateCharge(od::value& obj, Ctx& ctx, std::string_view type) {
  std::vector<RefundObj> refunds;
  Charge c = ReadCharge(obj, &refunds);
  if (type == "charge.refunded") {
    for (const auto& r : refunds) {
      EmitRefund(r, ctx);
    }
    return;
  }
  if (c.status != "succeeded") {
    return;  // pending / failed charges move no money
  }
  const std::int64_t amount = c.captured && c.amount_captured > 0 ? c.amount_captured : c.amount;
  EmitTender(ctx, c.id, c.payment_intent, amount, c.currency, c.captured, c.created);
}

void TranslatePaymentIntent(od::value& obj, Ctx& ctx) {
  std::string id, currency, latest_charge, status;
  std::int64_t received = 0;
  Instant created;
  ForEachField(obj, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      id = Id(f);
    } else if (k == "amount_received") {
      received = Int(f);
    } else if (k == "currency") {
      currency = std::string(Str(f));
    } else if (k == "latest_charge") {
      latest_charge = Ref(f);
    } else if (k == "status") {
      status = std::string(Str(f));
    } else if (k == "created") {
      created = Time(f).value_or(Instant{});
    }
  });
  if (id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "payment intent id is missing", "id");
  }
  if (status != "succeeded") {
    return;
  }
  // The tender is the charge, so charge.succeeded and payment_intent.succeeded
  // for one payment carry the same tender_id.
  EmitTender(ctx, latest_charge.empty() ? id : latest_charge, id, received, currency, true,
             created);
}

struct BalanceTxn {
  PayoutLine line;
  std::string type, category;
  bool is_payout = false;
};

PayoutLineKind KindFor(std::string_view category, std::string_view type) {
  struct Map {
    std::string_view name;
    PayoutLineKind kind;
  };
  static constexpr Map kByCategory[] = {
      {"charge", PayoutLineKind::kCharge},
      {"refund", PayoutLineKind::kRefund},
      {"refund_failure", PayoutLineKind::kRefund},
      {"dispute", PayoutLineKind::kDispute},
      {"dispute_reversal", PayoutLineKind::kDispute},
      {"fee", PayoutLineKind::kFee},
      {"network_cost", PayoutLineKind::kFee},
      {"tax", PayoutLineKind::kTax},
      {"other_adjustment", PayoutLineKind::kAdjustment},
      {"partial_capture_reversal", PayoutLineKind::kAdjustment},
      {"charge_failure", PayoutLineKind::kAdjustment},
      {"risk_reserved_funds", PayoutLineKind::kReserve},
      {"connect_reserved_funds", PayoutLineKind::kReserve},
      {"platform_earning", PayoutLineKind::kCommission},
      {"platform_earning_refund", PayoutLineKind::kCommission},
      {"payout", PayoutLineKind::kPayout},
      {"payout_reversal", PayoutLineKind::kPayout},
  };
  static constexpr Map kByType[] = {
      {"charge", PayoutLineKind::kCharge},
      {"payment", PayoutLineKind::kCharge},
      {"refund", PayoutLineKind::kRefund},
      {"payment_refund", PayoutLineKind::kRefund},
      {"refund_failure", PayoutLineKind::kRefund},
      {"payment_reversal", PayoutLineKind::kRefund},
      {"adjustment", PayoutLineKind::kAdjustment},
      {"application_fee", PayoutLineKind::kCommission},
      {"application_fee_refund", PayoutLineKind::kCommission},
      {"stripe_fee", PayoutLineKind::kFee},
      {"stripe_fx_fee", PayoutLineKind::kFee},
      {"tax_fee", PayoutLineKind::kFee},
      {"reserve_hold", PayoutLineKind::kReserve},
      {"reserve_release", PayoutLineKind::kReserve},
      {"reserved_funds", PayoutLineKind::kReserve},
      {"payout_minimum_balance_hold", PayoutLineKind::kReserve},
      {"payout_minimum_balance_release", PayoutLineKind::kReserve},
      {"payout", PayoutLineKind::kPayout},
      {"payout_cancel", PayoutLineKind::kPayout},
      {"payout_failure", PayoutLineKind::kPayout},
  };
  for (const auto& m : kByCategory) {
    if (m.name == category) {
      return m.kind;
    }
  }
  for (const auto& m : kByType) {
    if (m.name == type) {
      return m.kind;
    }
  }
  Throw(ErrorCode::kUnmapped,
        fmt::format("unknown balance transaction reporting_category \"{}\" / type \"{}\"", category,
                    type),
        "reporting_category");
}

// One balance transaction, checked: fee == Σ fee_details, net == amount − fee.
BalanceTxn ReadBalanceTxn(od::value& v) {
  BalanceTxn b;
  std::int64_t amount = 0, fee = 0, net = 0, fee_details_sum = 0;
  bool has_fee_details = false;
  std::string currency;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      b.line.line_id = Id(f);
    } else if (k == "amount") {
      amount = Int(f);
    } else if (k == "fee") {
      fee = Int(f);
    } else if (k == "net") {
      net = Int(f);
    } else if (k == "currency") {
      currency = std::string(Str(f));
    } else if (k == "type") {
      b.type = std::string(Str(f));
    } else if (k == "reporting_category") {
      b.category = std::string(Str(f));
    } else if (k == "source") {
      b.line.source_reference = Ref(f);
    } else if (k == "description") {
      b.line.description = std::string(Str(f));
    } else if (k == "created") {
      b.line.occurred_at = Time(f).value_or(Instant{});
    } else if (k == "fee_details") {
      has_fee_details = !IsNull(f);
      ForEachElement(f, [&](std::int64_t, od::value& d) {
        ForEachField(d, [&](std::string_view dk, od::value& df) {
          if (dk == "amount") {
            const std::int64_t a = Int(df);
            if ((a > 0 && fee_details_sum > INT64_MAX - a) ||
                (a < 0 && fee_details_sum < INT64_MIN - a)) {
              Throw(ErrorCode::kOverflow, "fee_details overflow");
            }
            fee_details_sum += a;
          }
        });
      });
    }
  });
  b.line.kind = KindFor(b.category, b.type);
  b.is_payout = b.line.kind == PayoutLineKind::kPayout;
  b.line.gross = StripeMoney(amount, currency, "amount");
  b.line.fee = StripeMoney(fee, currency, "fee");
  b.line.net = StripeMoney(net, currency, "net");
  if (has_fee_details && fee_details_sum != fee) {
    Throw(ErrorCode::kAmountMismatch,
          fmt::format("balance transaction {}: fee is {} but fee_details sum to {}", b.line.line_id,
                      fee, fee_details_sum),
          "fee");
  }
  if (SubMoney(b.line.gross, b.line.fee) != b.line.net) {
    Throw(ErrorCode::kAmountMismatch,
          fmt::format("balance transaction {}: amount {} - fee {} != net {}", b.line.line_id,
                      amount, fee, net),
          "net");
  }
  return b;
}

struct PayoutObj {
  Payout payout;
  std::int64_t amount = 0;
  std::string currency;
};

PayoutObj ReadPayout(od::value& v, Ctx& ctx) {
  PayoutObj p;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      p.payout.payout_id = Id(f);
    } else if (k == "amount") {
      p.amount = Int(f);
    } else if (k == "currency") {
      p.currency = std::string(Str(f));
    } else if (k == "status") {
      p.payout.status = std::string(Str(f));
    } else if (k == "arrival_date") {
      p.payout.arrival_at = Time(f).value_or(Instant{});
    }
  });
  if (p.payout.payout_id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "payout id is missing", "id");
  }
  p.payout.gateway = "stripe";
  p.payout.amount = StripeMoney(p.amount, p.currency, "amount");
  p.payout.lineage = ctx.MakeLineage(p.payout.payout_id);
  return p;
}

std::string PayoutEventType(std::string_view status) {
  if (status == "paid") {
    return "payout.paid";
  }
  if (status == "failed" || status == "canceled") {
    return "payout.failed";
  }
  return "payout.updated";
}

void EmitPayout(Ctx& ctx, const Payout& p) {
  ctx.Emit(PayoutEventType(p.status), fmt::format("stripe:{}:payout:{}", ctx.account, p.payout_id),
           p.payout_id, p.arrival_at, ToJson(p, EventStorage()));
}

void TranslateDispute(od::value& obj, Ctx& ctx, std::string_view type) {
  Dispute d;
  std::string currency, payment_intent;
  std::int64_t amount = 0;
  std::vector<BalanceTxn> txns;
  ForEachField(obj, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      d.dispute_id = Id(f);
    } else if (k == "amount") {
      amount = Int(f);
    } else if (k == "currency") {
      currency = std::string(Str(f));
    } else if (k == "charge") {
      d.charge_reference = Ref(f);
    } else if (k == "payment_intent") {
      payment_intent = Ref(f);
    } else if (k == "status") {
      d.status = std::string(Str(f));
    } else if (k == "reason") {
      d.reason = std::string(Str(f));
    } else if (k == "created") {
      d.occurred_at = Time(f).value_or(Instant{});
    } else if (k == "balance_transactions") {
      ForEachElement(f, [&](std::int64_t, od::value& b) { txns.push_back(ReadBalanceTxn(b)); });
    }
  });
  if (d.dispute_id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "dispute id is missing", "id");
  }
  d.gateway = "stripe";
  d.amount = StripeMoney(amount, currency, "amount");
  d.fee = Money::Zero(d.amount.currency());
  for (const auto& t : txns) {
    if (t.line.fee.currency() == d.fee.currency()) {
      d.fee = AddMoney(d.fee, t.line.fee);
    }
  }
  d.order_id = ctx.PaymentKey(payment_intent, d.charge_reference);
  d.lineage = ctx.MakeLineage(d.dispute_id);
  std::string event_type = type == "charge.dispute.created"  ? "dispute.created"
                           : type == "charge.dispute.closed" ? "dispute.closed"
                                                             : "dispute.updated";
  std::string key = d.order_id;
  const Instant at = d.occurred_at;
  ctx.Emit(std::move(event_type), std::move(key), d.dispute_id, at, ToJson(d, EventStorage()));
}

// {"payout": {…}, "balance_transactions": {"object":"list","data":[…],"has_more":false}}
void TranslateReconciliation(od::document& doc, Ctx& ctx) {
  std::optional<PayoutObj> payout;
  std::vector<BalanceTxn> txns;
  bool has_more = false;
  ForEachField(doc.get_object().value(), [&](std::string_view k, od::value& f) {
    if (k == "payout") {
      payout = ReadPayout(f, ctx);
    } else if (k == "balance_transactions") {
      ForEachField(f, [&](std::string_view lk, od::value& lf) {
        if (lk == "data") {
          ForEachElement(lf,
                         [&](std::int64_t, od::value& b) { txns.push_back(ReadBalanceTxn(b)); });
        } else if (lk == "has_more") {
          has_more = Bool(lf);
        }
      });
    }
  });
  if (!payout) {
    Throw(ErrorCode::kInvalidArgument, "payout is missing", "payout");
  }
  if (has_more) {
    Throw(ErrorCode::kInvalidArgument,
          "balance transaction page is incomplete (has_more): fetch every page first",
          "balance_transactions.has_more");
  }
  Payout& p = payout->payout;
  Money explained = Money::Zero(p.amount.currency());
  for (std::size_t i = 0; i < txns.size(); ++i) {
    PathScope a("balance_transactions.data");
    PathScope b(static_cast<std::int64_t>(i));
    if (txns[i].is_payout) {
      auto paid = txns[i].line.net.Negate();
      if (!paid || *paid != p.amount) {
        Throw(ErrorCode::kAmountMismatch,
              fmt::format("payout row {} is {} but the payout is {}", txns[i].line.line_id,
                          txns[i].line.net.ToDecimal(), p.amount.ToDecimal()),
              "net");
      }
      continue;
    }
    explained = AddMoney(explained, txns[i].line.net);
    p.lines.push_back(std::move(txns[i].line));
  }
  if (explained != p.amount) {
    Throw(ErrorCode::kAmountMismatch,
          fmt::format("payout {}: balance transactions net to {} but the payout is {}", p.payout_id,
                      explained.ToDecimal(), p.amount.ToDecimal()),
          "balance_transactions");
  }
  EmitPayout(ctx, p);
}

void TranslateEvent(od::document& doc, Ctx& ctx, const std::string& type) {
  ForEachField(doc.get_object().value(), [&](std::string_view k, od::value& f) {
    if (k != "data") {
      return;
    }
    ForEachField(f, [&](std::string_view dk, od::value& obj) {
      if (dk != "object") {
        return;
      }
      if (type.starts_with("charge.dispute.")) {
        TranslateDispute(obj, ctx, type);
      } else if (type.starts_with("charge.")) {
        TranslateCharge(obj, ctx, type);
      } else if (type == "payment_intent.succeeded") {
        TranslatePaymentIntent(obj, ctx);
      } else if (type.starts_with("refund.") || type == "charge.refund.updated") {
        EmitRefund(ReadRefund(obj), ctx);
      } else if (type.starts_with("payout.")) {
        EmitPayout(ctx, ReadPayout(obj, ctx).payout);
      }
    });
  });
}

bool Translated(std::string_view type) {
  static constexpr std::string_view kTypes[] = {"charge.succeeded",
                                                "charge.captured",
                                                "charge.refunded",
                                                "charge.refund.updated",
                                                "payment_intent.succeeded",
                                                "refund.created",
                                                "refund.updated",
                                                "refund.failed",
                                                "charge.dispute.created",
                                                "charge.dispute.updated",
                                                "charge.dispute.closed",
                                                "charge.dispute.funds_withdrawn",
                                                "charge.dispute.funds_reinstated",
                                                "payout.paid",
                                                "payout.failed",
                                                "payout.canceled",
                                                "payout.created",
                                                "payout.updated",
                                                "payout.reconciliation"};
  for (std::string_view t : kTypes) {
    if (t == type) {
      return true;
    }
  }
  return false;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Status StripeConnector::Verify(const Delivery& delivery, const Secrets& secrets,
                               const Clock& clock) const {
  auto header = delivery.Header("Stripe-Signature");
  if (!header || header->empty()) {
    return Fail(ErrorCode::kUnauthenticated, "missing Stripe-Signature header");
  }
  std::string_view t;
  std::vector<std::string_view> v1;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view item = TrimSpace(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Fail(ErrorCode::kUnauthenticated,
                  "malformed Stripe-Signature header: expected key=value items");
    }
    const std::string_view k = item.substr(0, eq);
    const std::string_view val = item.substr(eq + 1);
    if (k == "t") {
      t = val;
    } else if (k == "v1") {
      v1.push_back(val);
    }
  }
  constexpr std::size_t kTimestampDigitsMax = 12;
  if (t.empty() || t.size() > kTimestampDigitsMax ||
      t.find_first_not_of("0123456789") != std::string_view::npos) {
    return Fail(ErrorCode::kUnauthenticated,
                "malformed Stripe-Signature header: missing or non-numeric t");
  }
  if (v1.empty()) {
    return Fail(ErrorCode::kUnauthenticated, "Stripe-Signature header has no v1 signature");
  }
  if (secrets.active.empty()) {
    return Fail(ErrorCode::kUnauthenticated, "no active Stripe secret configured");
  }
  std::string signed_payload;
  signed_payload.reserve(t.size() + 1 + delivery.body.size());
  signed_payload.append(t).append(".").append(delivery.body);
  bool match = false;
  for (const std::string& secret : secrets.active) {
    const std::string expected = HexEncode(HmacSha256(secret, signed_payload));
    for (std::string_view candidate : v1) {
      match = ConstantTimeEquals(expected, candidate) || match;
    }
  }
  if (!match) {
    return Fail(ErrorCode::kUnauthenticated,
                "no v1 in Stripe-Signature matches the payload under any active secret");
  }
  const std::int64_t ts = std::strtoll(std::string(t).c_str(), nullptr, 10);
  const std::int64_t now = clock.Now().seconds();
  if (ts < now - kSignatureToleranceSeconds || ts > now + kSignatureToleranceSeconds) {
    return Fail(ErrorCode::kUnauthenticated,
                fmt::format("Stripe-Signature timestamp is {} s from now, outside the {} s "
                            "tolerance (stale or replayed)",
                            now - ts, kSignatureToleranceSeconds));
  }
  return Ok();
}

Result<std::string> StripeConnector::DedupKey(const Delivery& delivery) const {
  if (delivery.topic == "payout.reconciliation") {
    return "sha256:" + Sha256Hex(delivery.body);
  }
  HUB_TRY(auto id, PeekBody(delivery.body, "id"));
  if (!id || id->empty()) {
    return Fail(ErrorCode::kInvalidArgument, "Stripe event has no id", "id");
  }
  return *id;
}

Result<std::string> StripeConnector::Topic(const Delivery& delivery) const {
  if (!delivery.topic.empty()) {
    return delivery.topic;
  }
  HUB_TRY(auto type, PeekBody(delivery.body, "type"));
  if (!type || type->empty()) {
    return Fail(ErrorCode::kInvalidArgument, "Stripe event has no type", "type");
  }
  return *type;
}

Result<std::vector<Event>> StripeConnector::Translate(const Delivery& delivery) const {
  HUB_TRY(const std::string topic, Topic(delivery));
  if (!Translated(topic)) {
    return Fail(ErrorCode::kUnmapped, "Stripe event type \"" + topic + "\" is not translated",
                "type");
  }
  HUB_TRY(const std::string dedup, DedupKey(delivery));
  std::string account = delivery.account;
  if (account.empty()) {
    HUB_TRY(auto connect_account, PeekBody(delivery.body, "account"));
    account = connect_account.value_or("");
  }
  Ctx ctx;
  ctx.ids = MakeEventIds(kSystem, account, dedup);
  ctx.account = std::move(account);
  return RunTranslator(delivery.body, [&](od::document& doc) {
    if (topic == "payout.reconciliation") {
      TranslateReconciliation(doc, ctx);
    } else {
      TranslateEvent(doc, ctx, topic);
    }
    return std::move(ctx.events);
  });
}

}  // namespace hub

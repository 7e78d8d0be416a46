// Square translation. Square's order.created / order.updated notifications
// carry no lines or amounts, so they become "order.changed" (a trigger to
// re-read); the order read back from the API (topic "order") becomes
// order.updated with the amount check Σ((base + modifiers) × qty) − discounts
// + service charges + additive tax == total_money.
// A read-back order carrying `returns` is a return rung up at the register:
// return.created and refund.created keyed by the order the goods came from
// (see "returns" below and docs/events.md, "Square returns").
#include "connectors/square/square.h"

#include <fmt/format.h>

#include <cctype>

#include "connectors/json_internal.h"
#include "core/model_json.h"

namespace hub {
namespace {

using namespace connectors_internal;  // NOLINT(google-build-using-namespace): private helpers

constexpr std::string_view kSystem = "square";

struct Ctx {
  EventIds ids;
  std::string account;
  std::size_t next_index = 0;
  std::vector<Event> events;

  Lineage MakeLineage(std::string source_id, std::string_view version) const {
    Lineage l;
    l.source_system = std::string(kSystem);
    l.source_account = account;
    l.source_id = std::move(source_id);
    l.source_version = std::string(version);
    l.correlation_id = ids.correlation_id;
    return l;
  }
  std::string Key(std::string_view id) const { return fmt::format("square:{}:{}", account, id); }
  void Emit(std::string type, std::string key, std::string source_id, Instant at,
            boost::json::object data) {
    events.push_back(MakeEvent(ids, next_index++, std::move(type), std::move(key),
                               std::move(source_id), at, std::move(data)));
  }
};

Money ReadMoney(od::value& v) {
  std::int64_t amount = 0;
  std::string_view currency;
  bool has_amount = false;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "amount") {
      amount = Int(f);
      has_amount = true;
    } else if (k == "currency" || k == "currency_code") {
      currency = Str(f);
    }
  });
  if (!has_amount) {
    Throw(ErrorCode::kInvalidArgument, "amount is missing", "amount");
  }
  return Money(amount, ParseCurrency(currency, "currency"));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// ---- orders ----------------------------------------------------------------

struct SquareLine {
  OrderLine line;
  std::vector<std::string> discount_uids, tax_uids;
};

Order ReadFullOrder(od::value& v, Ctx& ctx, std::string* version) {
  Order o;
  o.channel = Channel::kPos;
  o.fulfillment_method = FulfillmentMethod::kInStore;
  std::vector<std::pair<std::string, std::string>> discount_names, tax_names;
  std::vector<std::pair<std::string, std::int64_t>> tax_rates;
  std::vector<std::string> inclusive_taxes;
  std::size_t tax_count = 0;
  std::optional<Money> total, total_tax, total_discount, total_service, total_tip;
  std::string source_id, updated_text;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      source_id = Id(f);
    } else if (k == "location_id") {
      o.location_id = Id(f);
    } else if (k == "customer_id") {
      o.customer_source_id = Id(f);
    } else if (k == "state") {
      o.status = Lower(Str(f));
    } else if (k == "version") {
      *version = Id(f);
    } else if (k == "created_at") {
      o.placed_at = Time(f).value_or(Instant{});
    } else if (k == "updated_at") {
      updated_text = std::string(Str(f));
      o.updated_at = TimeText(updated_text);
    } else if (k == "line_items") {
      ForEachElement(f, [&](std::int64_t, od::value& li) {
        OrderLine line;
        std::vector<Money> modifiers;
        ForEachField(li, [&](std::string_view lk, od::value& lf) {
          if (lk == "uid") {
            line.line_id = Id(lf);
          } else if (lk == "catalog_object_id") {
            line.sku = Id(lf);
          } else if (lk == "name") {
            line.title = std::string(Str(lf));
          } else if (lk == "quantity") {
            line.quantity = Int(lf);
          } else if (lk == "base_price_money") {
            line.unit_price = ReadMoney(lf);
          } else if (lk == "item_type") {
            line.gift_card = Str(lf) == "GIFT_CARD";
          } else if (lk == "modifiers") {
            // Modifiers (extra shot, well done) price per unit on top of the base.
            ForEachElement(lf, [&](std::int64_t, od::value& m) {
              ForEachField(m, [&](std::string_view mk, od::value& mf) {
                if (mk == "base_price_money") {
                  modifiers.push_back(ReadMoney(mf));
                }
              });
            });
          } else if (lk == "applied_discounts") {
            ForEachElement(lf, [&](std::int64_t, od::value& d) {
              DiscountAllocation a;
              ForEachField(d, [&](std::string_view dk, od::value& df) {
                if (dk == "discount_uid") {
                  a.code = Id(df);
                } else if (dk == "applied_money") {
                  a.amount = ReadMoney(df);
                }
              });
              line.discounts.push_back(std::move(a));
            });
          } else if (lk == "applied_taxes") {
            ForEachElement(lf, [&](std::int64_t, od::value& t) {
              TaxLine tl;
              ForEachField(t, [&](std::string_view tk, od::value& tf) {
                if (tk == "tax_uid") {
                  tl.code = Id(tf);
                } else if (tk == "applied_money") {
                  tl.amount = ReadMoney(tf);
                }
              });
              line.taxes.push_back(std::move(tl));
            });
          }
        });
        if (line.quantity < 0) {
          Throw(ErrorCode::kInvalidArgument, "quantity must not be negative", "quantity");
        }
        for (const Money& m : modifiers) {
          line.unit_price = AddMoney(line.unit_price, m);
        }
        o.lines.push_back(std::move(line));
      });
    } else if (k == "discounts") {
      ForEachElement(f, [&](std::int64_t, od::value& d) {
        std::string uid, name;
        ForEachField(d, [&](std::string_view dk, od::value& df) {
          if (dk == "uid") {
            uid = Id(df);
          } else if (dk == "name") {
            name = std::string(Str(df));
          }
        });
        discount_names.emplace_back(uid, name);
      });
    } else if (k == "taxes") {
      ForEachElement(f, [&](std::int64_t, od::value& t) {
        std::string uid, name;
        std::string_view type;
        std::int64_t rate_ppm = 0;
        ForEachField(t, [&](std::string_view tk, od::value& tf) {
          if (tk == "uid") {
            uid = Id(tf);
          } else if (tk == "name") {
            name = std::string(Str(tf));
          } else if (tk == "type") {
            type = Str(tf);
          } else if (tk == "percentage") {
            rate_ppm = RatePpm(Str(tf), "percentage") / 100;  // "7.25" percent → 72500 ppm
          }
        });
        tax_rates.emplace_back(uid, rate_ppm);
        ++tax_count;
        if (type == "INCLUSIVE") {
          inclusive_taxes.push_back(uid);
        }
        tax_names.emplace_back(uid, name);
      });
    } else if (k == "service_charges") {
      ForEachElement(f, [&](std::int64_t, od::value& s) {
        ShippingLine sl;
        ForEachField(s, [&](std::string_view sk, od::value& sf) {
          if (sk == "name") {
            sl.title = std::string(Str(sf));
          } else if (sk == "applied_money") {
            sl.price = ReadMoney(sf);
          }
        });
        o.shipping.push_back(std::move(sl));
      });
    } else if (k == "tenders") {
      ForEachElement(f, [&](std::int64_t, od::value& t) {
        Tender tender;
        std::string_view type;
        ForEachField(t, [&](std::string_view tk, od::value& tf) {
          if (tk == "id") {
            tender.tender_id = Id(tf);
          } else if (tk == "type") {
            type = Str(tf);
          } else if (tk == "amount_money") {
            tender.amount = ReadMoney(tf);
          } else if (tk == "payment_id") {
            tender.gateway_reference = Id(tf);
          } else if (tk == "created_at") {
            tender.occurred_at = Time(tf).value_or(Instant{});
          }
        });
        tender.kind = type == "CASH"               ? TenderKind::kCash
                      : type == "SQUARE_GIFT_CARD" ? TenderKind::kGiftCard
                      : type == "CARD"             ? TenderKind::kCard
                                                   : TenderKind::kOther;
        tender.gateway = "square";
        tender.status = "captured";
        o.tenders.push_back(std::move(tender));
      });
    } else if (k == "total_money") {
      total = ReadMoney(f);
    } else if (k == "total_tax_money") {
      total_tax = ReadMoney(f);
    } else if (k == "total_discount_money") {
      total_discount = ReadMoney(f);
    } else if (k == "total_service_charge_money") {
      total_service = ReadMoney(f);
    } else if (k == "total_tip_money") {
      total_tip = ReadMoney(f);
    }
  });
  if (source_id.empty() || !total) {
    Throw(ErrorCode::kInvalidArgument, "order id and total_money are required",
          source_id.empty() ? "id" : "total_money");
  }
  o.currency = total->currency();
  const Money zero = Money::Zero(o.currency);
  o.total = *total;
  o.total_tax = total_tax.value_or(zero);
  o.total_discounts = total_discount.value_or(zero);
  o.total_shipping = total_service.value_or(zero);
  o.taxes_included = tax_count > 0 && inclusive_taxes.size() == tax_count;
  if (total_tip && !total_tip->is_zero()) {
    Throw(ErrorCode::kUnmapped, "tips are not part of the canonical order model yet",
          "total_tip_money");
  }
  // Name allocations after their discount / tax.
  for (auto& line : o.lines) {
    for (auto& d : line.discounts) {
      for (const auto& [uid, name] : discount_names) {
        if (uid == d.code && !name.empty()) {
          d.code = name;
        }
      }
    }
    for (auto& t : line.taxes) {
      for (const auto& [uid, rate] : tax_rates) {
        if (uid == t.code) {
          t.rate_ppm = rate;
        }
      }
      for (const auto& [uid, name] : tax_names) {
        if (uid == t.code && !name.empty()) {
          t.code = name;
        }
      }
    }
  }
  for (auto& t : o.tenders) {
    if (t.occurred_at.micros == 0) {
      t.occurred_at = o.updated_at;
    }
  }
  Money lines = zero;
  Money allocated = zero;
  for (std::size_t i = 0; i < o.lines.size(); ++i) {
    PathScope a("line_items");
    PathScope b(static_cast<std::int64_t>(i));
    lines = AddMoney(lines, MulMoney(o.lines[i].unit_price, o.lines[i].quantity, "quantity"));
    for (const auto& d : o.lines[i].discounts) {
      allocated = AddMoney(allocated, d.amount);
    }
  }
  o.subtotal = lines;
  Money expected = AddMoney(SubMoney(lines, o.total_discounts), o.total_shipping);
  if (!o.taxes_included) {
    expected = AddMoney(expected, o.total_tax);
  }
  if (expected != o.total) {
    Throw(ErrorCode::kAmountMismatch,
          fmt::format("order {}: lines {} - discounts {} + service charges {} + tax {} = {} but "
                      "total_money is {}",
                      source_id, lines.ToDecimal(), o.total_discounts.ToDecimal(),
                      o.total_shipping.ToDecimal(),
                      o.taxes_included ? "0 (included)" : o.total_tax.ToDecimal(),
                      expected.ToDecimal(), o.total.ToDecimal()),
          "total_money");
  }
  o.order_id = ctx.Key(source_id);
  o.lineage = ctx.MakeLineage(source_id, *version);
  return o;
}

// ---- returns ---------------------------------------------------------------
//
// A return rung up at the register is a new Square order carrying `returns`
// (OrderReturn) and the `refunds` that paid it back (Refund). Which order the
// goods came from:
//   * returns[].source_order_id set: a Square sale, "square:<account>:<id>";
//   * unset (Square calls it an unlinked return): the sale happened outside
//     Square, and the order's reference_id, "the ID of an entity in another
//     system", must be that sale's canonical order id, "<system>:<account>:
//     <source order id>" (a Shopify web order: "shopify:<shop>:<order id>"),
//     and return_line_items[].source_line_item_uid that order's line id.
// Money Square did not move itself (the card of a web order, refunded through
// its own gateway) is known only from the refund as the Refunds API returns it
// (PaymentRefund, destination_details.external_details: source = the gateway,
// source_id = its refund id), which the page carries beside the order:
// {"order": {…}, "refunds": [{…PaymentRefund…}]}.

struct SquareReturnLine {
  ReturnLine line;
  bool has_quantity = false;
  std::optional<Money> base, gross, discount, tax, total;
};

struct SquareOrderRefund {
  std::string id, tender_id, reason, status;
  std::optional<Money> amount;
  Instant created_at;
};

struct SquareReturnOrder {
  std::string id, version, location_id, reference_id, source_order_id;
  Instant created_at, updated_at;
  std::size_t returns = 0;
  bool sells = false;  // line_items: an exchange
  std::vector<SquareReturnLine> lines;
  std::optional<Money> return_total, return_tax;
  std::vector<SquareOrderRefund> refunds;
};

// A PaymentRefund (GET /v2/refunds/{id}) beside the order: where the money went.
struct SquarePaymentRefund {
  std::string id, payment_id, destination_type, external_type, external_source, external_id;
};

// "<system>:<account>:<id>" with every part non-empty; nullopt otherwise.
std::optional<std::string> CanonicalOrderKey(std::string_view ref) {
  const std::size_t a = ref.find(':');
  if (a == std::string_view::npos || a == 0) {
    return std::nullopt;
  }
  const std::size_t b = ref.find(':', a + 1);
  if (b == std::string_view::npos || b == a + 1 || b + 1 == ref.size()) {
    return std::nullopt;
  }
  for (char c : ref.substr(0, a)) {
    if (c < 'a' || c > 'z') {
      return std::nullopt;
    }
  }
  return std::string(ref);
}

// OrderMoneyAmounts: total_money and tax_money.
void ReadReturnAmounts(od::value& v, SquareReturnOrder& r) {
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "total_money") {
      r.return_total = ReadMoney(f);
    } else if (k == "tax_money") {
      r.return_tax = ReadMoney(f);
    }
  });
}

void ReadOrderReturn(od::value& v, SquareReturnOrder& r) {
  ++r.returns;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "source_order_id") {
      r.source_order_id = Id(f);
    } else if (k == "return_amounts" && !IsNull(f)) {
      ReadReturnAmounts(f, r);
    } else if (k == "return_line_items") {
      ForEachElement(f, [&](std::int64_t, od::value& li) {
        SquareReturnLine l;
        ForEachField(li, [&](std::string_view lk, od::value& lf) {
          if (lk == "source_line_item_uid") {
            l.line.line_id = Id(lf);
          } else if (lk == "catalog_object_id") {
            l.line.sku = Id(lf);
          } else if (lk == "quantity") {
            l.line.quantity = Int(lf);
            l.has_quantity = true;
          } else if (lk == "note") {
            l.line.reason = std::string(Str(lf));
          } else if (lk == "base_price_money") {
            l.base = ReadMoney(lf);
          } else if (lk == "gross_return_money") {
            l.gross = ReadMoney(lf);
          } else if (lk == "total_discount_money") {
            l.discount = ReadMoney(lf);
          } else if (lk == "total_tax_money") {
            l.tax = ReadMoney(lf);
          } else if (lk == "total_money") {
            l.total = ReadMoney(lf);
          }
        });
        if (!l.has_quantity) {
          Throw(ErrorCode::kInvalidArgument, "a returned line needs its quantity", "quantity");
        }
        if (l.line.quantity <= 0) {
          Throw(ErrorCode::kInvalidArgument, "a returned quantity must be positive", "quantity");
        }
        if (l.line.line_id.empty() && l.line.sku.empty()) {
          Throw(ErrorCode::kInvalidArgument,
                "a returned line needs source_line_item_uid (the line it returns) or "
                "catalog_object_id",
                "source_line_item_uid");
        }
        // Square POS puts returned items back in stock at the returning location.
        l.line.restock = true;
        if (l.base && l.gross && MulMoney(*l.base, l.line.quantity, "quantity") != *l.gross) {
          Throw(ErrorCode::kAmountMismatch,
                fmt::format("base {} x {} != gross_return_money {}", l.base->ToDecimal(),
                            l.line.quantity, l.gross->ToDecimal()),
                "gross_return_money");
        }
        if (l.gross && l.total) {
          const Money zero = Money::Zero(l.gross->currency());
          const Money expected =
              AddMoney(SubMoney(*l.gross, l.discount.value_or(zero)), l.tax.value_or(zero));
          if (expected != *l.total) {
            Throw(ErrorCode::kAmountMismatch,
                  fmt::format("gross {} - discounts {} + tax {} = {} but total_money is {}",
                              l.gross->ToDecimal(), l.discount.value_or(zero).ToDecimal(),
                              l.tax.value_or(zero).ToDecimal(), expected.ToDecimal(),
                              l.total->ToDecimal()),
                  "total_money");
          }
        }
        r.lines.push_back(std::move(l));
      });
    }
  });
}

void ReadReturnOrder(od::value& v, SquareReturnOrder& r) {
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      r.id = Id(f);
    } else if (k == "version") {
      r.version = Id(f);
    } else if (k == "location_id") {
      r.location_id = Id(f);
    } else if (k == "reference_id") {
      r.reference_id = Id(f);
    } else if (k == "created_at") {
      r.created_at = Time(f).value_or(Instant{});
    } else if (k == "updated_at") {
      r.updated_at = Time(f).value_or(Instant{});
    } else if (k == "line_items") {
      ForEachElement(f, [&](std::int64_t, od::value&) { r.sells = true; });
    } else if (k == "returns") {
      ForEachElement(f, [&](std::int64_t, od::value& ret) { ReadOrderReturn(ret, r); });
    } else if (k == "return_amounts" && !IsNull(f) && !r.return_total) {
      ReadReturnAmounts(f, r);
    } else if (k == "refunds") {
      ForEachElement(f, [&](std::int64_t, od::value& rf) {
        SquareOrderRefund x;
        ForEachField(rf, [&](std::string_view rk, od::value& rv) {
          if (rk == "id") {
            x.id = Id(rv);
          } else if (rk == "tender_id") {
            x.tender_id = Id(rv);
          } else if (rk == "reason") {
            x.reason = std::string(Str(rv));
          } else if (rk == "status") {
            x.status = std::string(Str(rv));
          } else if (rk == "amount_money") {
            x.amount = ReadMoney(rv);
          } else if (rk == "created_at") {
            x.created_at = Time(rv).value_or(Instant{});
          }
        });
        if (x.id.empty() || !x.amount) {
          Throw(ErrorCode::kInvalidArgument, "a refund needs its id and amount_money",
                x.id.empty() ? "id" : "amount_money");
        }
        r.refunds.push_back(std::move(x));
      });
    }
  });
}

SquarePaymentRefund ReadPaymentRefund(od::value& v) {
  SquarePaymentRefund p;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      p.id = Id(f);
    } else if (k == "payment_id") {
      p.payment_id = Id(f);
    } else if (k == "destination_type") {
      p.destination_type = std::string(Str(f));
    } else if (k == "destination_details" && !IsNull(f)) {
      ForEachField(f, [&](std::string_view dk, od::value& df) {
        if (dk != "external_details" || IsNull(df)) {
          return;
        }
        ForEachField(df, [&](std::string_view ek, od::value& ef) {
          if (ek == "type") {
            p.external_type = std::string(Str(ef));
          } else if (ek == "source") {
            p.external_source = std::string(Str(ef));
          } else if (ek == "source_id") {
            p.external_id = Id(ef);
          }
        });
      });
    }
  });
  return p;
}

void EmitReturnOrder(const SquareReturnOrder& sq, const std::vector<SquarePaymentRefund>& paid,
                     Ctx& ctx) {
  if (sq.id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "order id is missing", "order.id");
  }
  if (sq.returns != 1) {
    Throw(
        ErrorCode::kUnmapped,
        fmt::format("order {} carries {} returns; one per order is translated", sq.id, sq.returns),
        "order.returns");
  }
  if (sq.sells) {
    Throw(ErrorCode::kUnmapped,
          fmt::format("order {} both sells (line_items) and returns: exchanges are not "
                      "translated yet",
                      sq.id),
          "order.line_items");
  }
  if (sq.lines.empty()) {
    Throw(ErrorCode::kInvalidArgument, fmt::format("return order {} returns no lines", sq.id),
          "order.returns[0].return_line_items");
  }
  std::string key;
  const bool cross_channel = sq.source_order_id.empty();
  if (!cross_channel) {
    key = ctx.Key(sq.source_order_id);
  } else if (auto k = CanonicalOrderKey(sq.reference_id); k) {
    key = std::move(*k);
  } else {
    Throw(ErrorCode::kInvalidArgument,
          sq.reference_id.empty()
              ? fmt::format("return order {} has no returns[].source_order_id (not a Square "
                            "sale) and no reference_id naming the original order as "
                            "<system>:<account>:<order id>",
                            sq.id)
              : fmt::format("return order {}: reference_id \"{}\" is not an order id of the form "
                            "<system>:<account>:<order id>",
                            sq.id, sq.reference_id),
          "order.reference_id");
  }
  const Currency currency = sq.lines.front().total ? sq.lines.front().total->currency()
                            : sq.return_total      ? sq.return_total->currency()
                            : !sq.refunds.empty()  ? sq.refunds.front().amount->currency()
                                                   : Currency();
  if (!currency.valid()) {
    Throw(ErrorCode::kInvalidArgument, "the return has no amounts", "order.return_amounts");
  }
  const Money zero = Money::Zero(currency);
  Money lines_total = zero;
  Money lines_tax = zero;
  bool all_totals = true;
  for (const auto& l : sq.lines) {
    all_totals = all_totals && l.total.has_value();
    lines_total = AddMoney(lines_total, l.total.value_or(zero));
    lines_tax = AddMoney(lines_tax, l.tax.value_or(zero));
  }
  if (sq.return_total && all_totals && *sq.return_total != lines_total) {
    Throw(ErrorCode::kAmountMismatch,
          fmt::format("return order {}: lines total {} but return_amounts.total_money is {}", sq.id,
                      lines_total.ToDecimal(), sq.return_total->ToDecimal()),
          "order.return_amounts.total_money");
  }
  const Money returned = sq.return_total.value_or(lines_total);
  const Instant at = sq.created_at.micros != 0 ? sq.created_at : sq.updated_at;
  Return ret;
  ret.return_id = sq.id;
  ret.order_id = key;
  ret.location_id = sq.location_id;
  ret.with_receipt = true;
  for (const auto& l : sq.lines) {
    ret.lines.push_back(l.line);
  }
  ret.occurred_at = at;
  ret.lineage = ctx.MakeLineage(sq.id, sq.version);
  ctx.Emit("return.created", key, sq.id, at, ToJson(ret, EventStorage()));

  Money refunded = zero;
  for (std::size_t i = 0; i < sq.refunds.size(); ++i) {
    const SquareOrderRefund& x = sq.refunds[i];
    const bool failed = x.status == "FAILED" || x.status == "REJECTED";
    if (x.status != "APPROVED" && x.status != "COMPLETED" && !failed) {
      continue;  // PENDING: nothing has moved yet
    }
    const SquarePaymentRefund* p = nullptr;
    for (const auto& candidate : paid) {
      if (candidate.id == x.id) {
        p = &candidate;
      }
    }
    Tender t;
    t.tender_id = x.tender_id;
    t.amount = *x.amount;
    t.status = "refunded";
    t.occurred_at = x.created_at.micros != 0 ? x.created_at : at;
    if (p != nullptr && !p->external_source.empty()) {
      // Refunded outside Square: the gateway's name and its own refund id.
      t.gateway = Lower(p->external_source);
      t.gateway_reference = p->external_id;
      t.kind = p->external_type == "CARD" ? TenderKind::kCard : TenderKind::kOther;
      if (t.gateway_reference.empty()) {
        Throw(ErrorCode::kInvalidArgument,
              fmt::format("refund {} went through {} but names no refund there", x.id,
                          p->external_source),
              "refunds.destination_details.external_details.source_id");
      }
    } else if (!cross_channel) {
      t.gateway = "square";
      t.gateway_reference = p != nullptr && !p->payment_id.empty() ? p->payment_id : x.tender_id;
    } else {
      Throw(ErrorCode::kInvalidArgument,
            fmt::format("refund {} of a return bought outside Square: Square did not move that "
                        "money, so its PaymentRefund (destination_details.external_details: the "
                        "gateway and its refund id) must be beside the order in \"refunds\"",
                        x.id),
            "refunds");
    }
    if (!(t.amount.currency() == currency)) {
      Throw(ErrorCode::kInvalidArgument,
            fmt::format("refund {} is in {}, the return in {}", x.id, t.amount.currency().code(),
                        currency.code()),
            "order.refunds.amount_money");
    }
    if (!failed) {
      refunded = AddMoney(refunded, t.amount);
    }
    Refund r;
    r.refund_id = x.id;
    r.order_id = key;
    r.return_id = sq.id;
    r.amount = t.amount;
    r.shipping_refunded = zero;
    // The tax goes back with the return's only refund; split refunds name none.
    r.tax_refunded = sq.refunds.size() == 1 ? sq.return_tax.value_or(lines_tax) : zero;
    r.reason = x.reason;
    r.occurred_at = t.occurred_at;
    r.tenders.push_back(std::move(t));
    r.lineage = ctx.MakeLineage(x.id, sq.version);
    const Instant refund_at = r.occurred_at;
    ctx.Emit(failed ? "refund.failed" : "refund.created", key, x.id, refund_at,
             ToJson(r, EventStorage()));
  }
  if (refunded.minor_units() > returned.minor_units()) {
    Throw(ErrorCode::kAmountMismatch,
          fmt::format("return order {}: refunds {} exceed the return's {}", sq.id,
                      refunded.ToDecimal(), returned.ToDecimal()),
          "order.refunds");
  }
}

// Topic "order" with a return order: {"order": {…}, "refunds": [{…}]} (or
// "refund": {…}, as GetPaymentRefund returns it).
void TranslateReturnPage(od::document& doc, Ctx& ctx) {
  SquareReturnOrder sq;
  std::vector<SquarePaymentRefund> paid;
  ForEachField(doc.get_object().value(), [&](std::string_view k, od::value& f) {
    if (k == "order") {
      ReadReturnOrder(f, sq);
    } else if (k == "refunds") {
      ForEachElement(f, [&](std::int64_t, od::value& v) { paid.push_back(ReadPaymentRefund(v)); });
    } else if (k == "refund" && !IsNull(f)) {
      paid.push_back(ReadPaymentRefund(f));
    }
  });
  EmitReturnOrder(sq, paid, ctx);
}

// Topic "order": {"order": {…}} as RetrieveOrder / BatchRetrieveOrders return
// it; an order carrying `returns` is a return (TranslateReturnPage).
void TranslateOrderPage(od::document& doc, Ctx& ctx) {
  bool has_returns = false;
  ForEachField(doc.get_object().value(), [&](std::string_view k, od::value& f) {
    if (k != "order") {
      return;
    }
    ForEachField(f, [&](std::string_view ok, od::value& of) {
      if (ok == "returns") {
        ForEachElement(of, [&](std::int64_t, od::value&) { has_returns = true; });
      }
    });
  });
  Reiterate(doc);
  if (has_returns) {
    TranslateReturnPage(doc, ctx);
    return;
  }
  ForEachField(doc.get_object().value(), [&](std::string_view k, od::value& f) {
    if (k != "order") {
      return;
    }
    std::string version;
    Order o = ReadFullOrder(f, ctx, &version);
    std::string source_id = o.lineage.source_id;
    const Instant at = o.updated_at.micros != 0 ? o.updated_at : o.placed_at;
    std::string key = o.order_id;
    ctx.Emit("order.updated", std::move(key), std::move(source_id), at, ToJson(o, EventStorage()));
  });
}

// ---- webhook objects -------------------------------------------------------

void OrderNotification(od::value& obj, Ctx& ctx) {
  Order o;
  o.channel = Channel::kPos;
  o.fulfillment_method = FulfillmentMethod::kInStore;
  std::string source_id, version;
  ForEachField(obj, [&](std::string_view k, od::value& f) {
    if (k == "order_id") {
      source_id = Id(f);
    } else if (k == "location_id") {
      o.location_id = Id(f);
    } else if (k == "state") {
      o.status = Lower(Str(f));
    } else if (k == "version") {
      version = Id(f);
    } else if (k == "created_at") {
      o.placed_at = Time(f).value_or(Instant{});
    } else if (k == "updated_at") {
      o.updated_at = Time(f).value_or(Instant{});
    }
  });
  if (source_id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "order_id is missing", "order_id");
  }
  o.order_id = ctx.Key(source_id);
  o.lineage = ctx.MakeLineage(source_id, version);
  const Instant at = o.updated_at.micros != 0 ? o.updated_at : o.placed_at;
  std::string key = o.order_id;
  ctx.Emit("order.changed", std::move(key), source_id, at, ToJson(o, EventStorage()));
}

void Payment(od::value& obj, Ctx& ctx) {
  Tender t;
  std::string order_id, status, card_brand, version;
  std::string_view source_type;
  std::optional<Money> total, amount;
  ForEachField(obj, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      t.tender_id = Id(f);
    } else if (k == "order_id") {
      order_id = Id(f);
    } else if (k == "status") {
      status = std::string(Str(f));
    } else if (k == "source_type") {
      source_type = Str(f);
    } else if (k == "total_money") {
      total = ReadMoney(f);
    } else if (k == "amount_money") {
      amount = ReadMoney(f);
    } else if (k == "updated_at") {
      t.occurred_at = Time(f).value_or(Instant{});
    } else if (k == "version_token") {
      version = std::string(Str(f));
    } else if (k == "card_details" && !IsNull(f)) {
      ForEachField(f, [&](std::string_view ck, od::value& cf) {
        if (ck == "card" && !IsNull(cf)) {
          ForEachField(cf, [&](std::string_view bk, od::value& bf) {
            if (bk == "card_brand") {
              card_brand = std::string(Str(bf));
            }
          });
        }
      });
    }
  });
  if (t.tender_id.empty() || (!total && !amount)) {
    Throw(ErrorCode::kInvalidArgument, "payment id and amount_money are required",
          t.tender_id.empty() ? "id" : "amount_money");
  }
  if (status != "COMPLETED" && status != "APPROVED") {
    return;  // PENDING, FAILED, CANCELED move no money
  }
  t.amount = total ? *total : *amount;
  t.gateway = "square";
  t.gateway_reference = t.tender_id;
  t.kind = card_brand == "SQUARE_GIFT_CARD" ? TenderKind::kGiftCard
           : source_type == "CARD"          ? TenderKind::kCard
           : source_type == "CASH"          ? TenderKind::kCash
                                            : TenderKind::kOther;
  const bool captured = status == "COMPLETED";
  t.status = captured ? "captured" : "authorized";
  std::string id = t.tender_id;
  const Instant at = t.occurred_at;
  ctx.Emit(captured ? "tender.captured" : "tender.authorized",
           ctx.Key(order_id.empty() ? id : order_id), std::move(id), at, ToJson(t, EventStorage()));
}

void RefundObject(od::value& obj, Ctx& ctx) {
  Refund r;
  std::string status, payment_id, order_id;
  ForEachField(obj, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      r.refund_id = Id(f);
    } else if (k == "status") {
      status = std::string(Str(f));
    } else if (k == "payment_id") {
      payment_id = Id(f);
    } else if (k == "order_id") {
      order_id = Id(f);
    } else if (k == "amount_money") {
      r.amount = ReadMoney(f);
    } else if (k == "reason") {
      r.reason = std::string(Str(f));
    } else if (k == "updated_at") {
      r.occurred_at = Time(f).value_or(Instant{});
    }
  });
  if (r.refund_id.empty() || !r.amount.currency().valid()) {
    Throw(ErrorCode::kInvalidArgument, "refund id and amount_money are required",
          r.refund_id.empty() ? "id" : "amount_money");
  }
  const bool failed = status == "FAILED" || status == "REJECTED";
  if (status != "COMPLETED" && !failed) {
    return;  // PENDING: nothing has moved yet
  }
  r.order_id = ctx.Key(order_id.empty() ? payment_id : order_id);
  r.shipping_refunded = Money::Zero(r.amount.currency());
  r.tax_refunded = Money::Zero(r.amount.currency());
  Tender t;
  t.tender_id = payment_id;
  t.gateway = "square";
  t.gateway_reference = payment_id;
  t.amount = r.amount;
  t.status = "refunded";
  t.occurred_at = r.occurred_at;
  r.tenders.push_back(std::move(t));
  r.lineage = ctx.MakeLineage(r.refund_id, {});
  std::string id = r.refund_id;
  std::string key = r.order_id;
  const Instant at = r.occurred_at;
  ctx.Emit(failed ? "refund.failed" : "refund.created", std::move(key), std::move(id), at,
           ToJson(r, EventStorage()));
}

void CustomerObject(od::value& obj, Ctx& ctx) {
  Customer c;
  std::string source_id, version;
  Instant updated;
  ForEachField(obj, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      source_id = Id(f);
    } else if (k == "given_name") {
      c.first_name = std::string(Str(f));
    } else if (k == "family_name") {
      c.last_name = std::string(Str(f));
    } else if (k == "email_address") {
      if (auto e = Str(f); !e.empty()) {
        c.emails.emplace_back(e);
      }
    } else if (k == "phone_number") {
      if (auto p = Str(f); !p.empty()) {
        c.phones.emplace_back(p);
      }
    } else if (k == "birthday") {
      c.birth_date = std::string(Str(f));
    } else if (k == "version") {
      version = Id(f);
    } else if (k == "updated_at") {
      updated = Time(f).value_or(Instant{});
    } else if (k == "preferences" && !IsNull(f)) {
      ForEachField(f, [&](std::string_view pk, od::value& pf) {
        if (pk == "email_unsubscribed") {
          c.accepts_marketing = !Bool(pf);
        }
      });
    } else if (k == "address" && !IsNull(f)) {
      Address a;
      ForEachField(f, [&](std::string_view ak, od::value& af) {
        if (ak == "address_line_1") {
          a.line1 = std::string(Str(af));
        } else if (ak == "address_line_2") {
          a.line2 = std::string(Str(af));
        } else if (ak == "locality") {
          a.city = std::string(Str(af));
        } else if (ak == "administrative_district_level_1") {
          a.region = std::string(Str(af));
        } else if (ak == "postal_code") {
          a.postcode = std::string(Str(af));
        } else if (ak == "country") {
          a.country = std::string(Str(af));
        }
      });
      c.addresses.push_back(std::move(a));
    }
  });
  if (source_id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "customer id is missing", "id");
  }
  c.lineage = ctx.MakeLineage(source_id, version);
  ctx.Emit("customer.upserted", ctx.Key("customer:" + source_id), source_id, updated,
           ToJson(c, EventStorage()));
}

void InventoryCounts(od::value& obj, Ctx& ctx) {
  ForEachElement(obj, [&](std::int64_t, od::value& count) {
    InventoryAdjustment a;
    std::string_view state;
    ForEachField(count, [&](std::string_view k, od::value& f) {
      if (k == "catalog_object_id") {
        a.sku = Id(f);
      } else if (k == "location_id") {
        a.location_id = Id(f);
      } else if (k == "quantity") {
        a.on_hand = Int(f);
      } else if (k == "state") {
        state = Str(f);
      } else if (k == "calculated_at") {
        a.occurred_at = Time(f).value_or(Instant{});
      }
    });
    if (state != "IN_STOCK") {
      return;  // SOLD, WASTE, … are movements Square already netted into IN_STOCK
    }
    if (a.sku.empty() || a.location_id.empty() || !a.on_hand) {
      Throw(ErrorCode::kInvalidArgument,
            "catalog_object_id, location_id and quantity are required");
    }
    a.reason = "count";
    std::string key = a.sku + "@" + a.location_id;
    a.lineage = ctx.MakeLineage(key, FormatRfc3339(a.occurred_at));
    const Instant at = a.occurred_at;
    ctx.Emit("inventory.adjusted", key, key, at, ToJson(a, EventStorage()));
  });
}

std::optional<GiftCardActivityKind> GiftCardKind(std::string_view type) {
  if (type == "ACTIVATE") {
    return GiftCardActivityKind::kActivate;
  }
  if (type == "LOAD") {
    return GiftCardActivityKind::kLoad;
  }
  if (type == "REDEEM") {
    return GiftCardActivityKind::kRedeem;
  }
  if (type == "REFUND") {
    return GiftCardActivityKind::kRefund;
  }
  if (type == "ADJUST_INCREMENT" || type == "ADJUST_DECREMENT" || type == "CLEAR_BALANCE") {
    return GiftCardActivityKind::kAdjust;
  }
  if (type == "DEACTIVATE" || type == "BLOCK") {
    return GiftCardActivityKind::kDeactivate;
  }
  return std::nullopt;
}

void GiftCardActivity(od::value& obj, Ctx& ctx) {
  GiftCard g;
  g.paid_with = TenderKind::kOther;
  g.gateway = "square";
  std::string id, status, type, order_id;
  std::optional<Money> amount;
  ForEachField(obj, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      id = Id(f);
    } else if (k == "type") {
      type = std::string(Str(f));
    } else if (k == "status") {
      status = std::string(Str(f));
    } else if (k == "gift_card_id") {
      g.gift_card_id = Id(f);
    } else if (k == "location_id") {
      g.location_id = Id(f);
    } else if (k == "created_at") {
      g.occurred_at = Time(f).value_or(Instant{});
    } else if (k == "gift_card_balance_money") {
      g.balance_after = ReadMoney(f);
    } else if (k.ends_with("_activity_details") && !IsNull(f)) {
      ForEachField(f, [&](std::string_view dk, od::value& df) {
        if (dk == "amount_money") {
          amount = ReadMoney(df);
        } else if (dk == "order_id") {
          order_id = Id(df);
        }
      });
    }
  });
  if (!status.empty() && status != "COMPLETED") {
    return;
  }
  auto kind = GiftCardKind(type);
  if (!kind) {
    if (type == "UNBLOCK" || type == "IMPORT" || type == "IMPORT_REVERSAL" ||
        type == "UNLINKED_ACTIVITY_REFUND" || type == "TRANSFER_BALANCE_FROM" ||
        type == "TRANSFER_BALANCE_TO") {
      Throw(ErrorCode::kUnmapped, "gift card activity " + type + " is not mapped", "type");
    }
    Throw(ErrorCode::kInvalidArgument, "unknown gift card activity type \"" + type + "\"", "type");
  }
  g.activity = *kind;
  if (g.gift_card_id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "gift_card_id is missing", "gift_card_id");
  }
  if (amount) {
    auto abs = amount->is_negative() ? amount->Negate() : Result<Money>(*amount);
    if (!abs) {
      Throw(abs.error().code, abs.error().message);
    }
    g.amount = *abs;
  } else if (g.balance_after) {
    g.amount = Money::Zero(g.balance_after->currency());
  }
  if (!order_id.empty()) {
    g.order_id = ctx.Key(order_id);
  }
  g.lineage = ctx.MakeLineage(id, {});
  const Instant at = g.occurred_at;
  ctx.Emit("gift_card.activity", ctx.Key("gift_card:" + g.gift_card_id), id, at,
           ToJson(g, EventStorage()));
}

// A Payout object (GET /v2/payouts/{id}, or a payout.* webhook's data).
Payout ReadPayoutObject(od::value& obj, std::string& version) {
  Payout p;
  p.gateway = "square";
  ForEachField(obj, [&](std::string_view k, od::value& f) {
    if (k == "id") {
      p.payout_id = Id(f);
    } else if (k == "status") {
      p.status = Lower(Str(f));
    } else if (k == "amount_money") {
      p.amount = ReadMoney(f);
    } else if (k == "arrival_date") {
      std::string date(Str(f));
      p.arrival_at = TimeText(date.empty() ? date : date + "T00:00:00Z");
    } else if (k == "version") {
      version = Id(f);
    }
  });
  if (p.payout_id.empty() || !p.amount.currency().valid()) {
    Throw(ErrorCode::kInvalidArgument, "payout id and amount_money are required");
  }
  return p;
}

std::string PayoutEventType(const Payout& p) {
  return p.status == "paid"     ? "payout.paid"
         : p.status == "failed" ? "payout.failed"
                                : "payout.updated";
}

void PayoutObject(od::value& obj, Ctx& ctx) {
  std::string version;
  Payout p = ReadPayoutObject(obj, version);
  p.lineage = ctx.MakeLineage(p.payout_id, version);
  const std::string type = PayoutEventType(p);
  std::string id = p.payout_id;
  const Instant at = p.arrival_at;
  ctx.Emit(type, ctx.Key("payout:" + id), id, at, ToJson(p, EventStorage()));
}

void DisputeObject(od::value& obj, Ctx& ctx, std::string_view topic) {
  Dispute d;
  d.gateway = "square";
  ForEachField(obj, [&](std::string_view k, od::value& f) {
    if (k == "id" || k == "dispute_id") {
      d.dispute_id = Id(f);
    } else if (k == "amount_money") {
      d.amount = ReadMoney(f);
    } else if (k == "reason") {
      d.reason = Lower(Str(f));
    } else if (k == "state") {
      d.status = Lower(Str(f));
    } else if (k == "created_at") {
      d.occurred_at = Time(f).value_or(Instant{});
    } else if (k == "disputed_payment" && !IsNull(f)) {
      ForEachField(f, [&](std::string_view pk, od::value& pf) {
        if (pk == "payment_id") {
          d.charge_reference = Id(pf);
        }
      });
    }
  });
  if (d.dispute_id.empty() || !d.amount.currency().valid()) {
    Throw(ErrorCode::kInvalidArgument, "dispute id and amount_money are required");
  }
  d.fee = Money::Zero(d.amount.currency());
  d.lineage = ctx.MakeLineage(d.dispute_id, {});
  const bool closed = d.status == "won" || d.status == "lost" || d.status == "accepted";
  const std::string type = closed                       ? "dispute.closed"
                           : topic == "dispute.created" ? "dispute.created"
                                                        : "dispute.updated";
  std::string key = ctx.Key(d.charge_reference.empty() ? d.dispute_id : d.charge_reference);
  std::string id = d.dispute_id;
  const Instant at = d.occurred_at;
  ctx.Emit(type, std::move(key), std::move(id), at, ToJson(d, EventStorage()));
}

PayoutLineKind EntryKind(std::string_view type) {
  if (type == "CHARGE") {
    return PayoutLineKind::kCharge;
  }
  if (type == "REFUND") {
    return PayoutLineKind::kRefund;
  }
  if (type == "DISPUTE" || type == "AUTOMATIC_SAVINGS_REVERSED") {
    return PayoutLineKind::kDispute;
  }
  if (type == "FEE" || type == "DEPOSIT_FEE" || type == "FREE_PROCESSING" ||
      type.starts_with("APP_FEE") || type == "PROCESSING_FEE" || type == "PROCESSING_FEE_REFUND") {
    return PayoutLineKind::kFee;
  }
  if (type == "ADJUSTMENT" || type == "CREDIT_CARD_PROCESSING_FEE_REFUND") {
    return PayoutLineKind::kAdjustment;
  }
  if (type == "RESERVE_HOLD" || type == "RESERVE_RELEASE" || type == "HOLD_ADJUSTMENT") {
    return PayoutLineKind::kReserve;
  }
  if (type == "TAX_ON_FEE") {
    return PayoutLineKind::kTax;
  }
  if (type == "OTHER" || type == "OTHER_ADJUSTMENT") {
    return PayoutLineKind::kOther;
  }
  Throw(ErrorCode::kUnmapped, fmt::format("unknown payout entry type \"{}\"", type), "type");
}

// Topic "payout_entries": {"payout_entries":[…]} as ListPayoutEntries returns
// it (one complete payout). Each entry must satisfy net = gross − fee.
// Alone, the page is the payout's lines (payout.updated, amount = Σ net). With
// the payout beside it, {"payout": {…GET /v2/payouts/{id}…}, "payout_entries":
// […]}, as a fetcher that pulls the entries of a paid payout stores it, it is
// the payout's statement: the payout's own amount and status, its entries as
// lines (payout.paid when paid), so reconciliation proves the amount against
// the lines and the ledger posts it.
void TranslatePayoutEntries(od::document& doc, Ctx& ctx) {
  std::vector<Payout> payouts;
  std::optional<Payout> header;
  std::string header_version;
  ForEachField(doc.get_object().value(), [&](std::string_view k, od::value& f) {
    if (k == "payout") {
      header = ReadPayoutObject(f, header_version);
      return;
    }
    if (k != "payout_entries") {
      return;
    }
    ForEachElement(f, [&](std::int64_t, od::value& e) {
      PayoutLine line;
      std::string payout_id;
      std::optional<Money> gross, fee, net;
      ForEachField(e, [&](std::string_view ek, od::value& ef) {
        if (ek == "id") {
          line.line_id = Id(ef);
        } else if (ek == "payout_id") {
          payout_id = Id(ef);
        } else if (ek == "type") {
          line.kind = EntryKind(Str(ef));
        } else if (ek == "gross_amount_money") {
          gross = ReadMoney(ef);
        } else if (ek == "fee_amount_money") {
          fee = ReadMoney(ef);
        } else if (ek == "net_amount_money") {
          net = ReadMoney(ef);
        } else if (ek == "effective_at") {
          line.occurred_at = Time(ef).value_or(Instant{});
        } else if (ek.starts_with("type_") && ek.ends_with("_details") && !IsNull(ef)) {
          ForEachField(ef, [&](std::string_view dk, od::value& df) {
            if (dk == "payment_id" && line.source_reference.empty()) {
              line.source_reference = Id(df);
            } else if (dk == "refund_id") {
              line.source_reference = Id(df);
            }
          });
        }
      });
      if (!net || payout_id.empty()) {
        Throw(ErrorCode::kInvalidArgument, "payout_id and net_amount_money are required");
      }
      line.net = *net;
      line.fee = fee.value_or(Money::Zero(net->currency()));
      line.gross = gross.value_or(AddMoney(line.net, line.fee));
      if (SubMoney(line.gross, line.fee) != line.net) {
        Throw(ErrorCode::kAmountMismatch,
              fmt::format("payout entry {}: gross {} - fee {} != net {}", line.line_id,
                          line.gross.ToDecimal(), line.fee.ToDecimal(), line.net.ToDecimal()),
              "net_amount_money");
      }
      Payout* p = nullptr;
      for (auto& candidate : payouts) {
        if (candidate.payout_id == payout_id) {
          p = &candidate;
        }
      }
      if (p == nullptr) {
        payouts.emplace_back();
        p = &payouts.back();
        p->payout_id = payout_id;
        p->gateway = "square";
        p->amount = Money::Zero(net->currency());
      }
      p->amount = AddMoney(p->amount, line.net);
      p->lines.push_back(std::move(line));
    });
  });
  if (header) {
    if (payouts.size() > 1 || (payouts.size() == 1 && payouts[0].payout_id != header->payout_id)) {
      Throw(ErrorCode::kInvalidArgument,
            fmt::format("payout_entries belong to {}, not to payout {}",
                        payouts.empty() ? std::string("-") : payouts.back().payout_id,
                        header->payout_id),
            "payout_entries");
    }
    if (!payouts.empty()) {
      header->lines = std::move(payouts[0].lines);
    }
    header->lineage = ctx.MakeLineage(header->payout_id, header_version);
    std::string id = header->payout_id;
    const Instant at = header->arrival_at;
    ctx.Emit(PayoutEventType(*header), ctx.Key("payout:" + id), id, at,
             ToJson(*header, EventStorage()));
    return;
  }
  for (auto& p : payouts) {
    p.lineage = ctx.MakeLineage(p.payout_id, {});
    std::string id = p.payout_id;
    const Instant at = p.lines.empty() ? Instant{} : p.lines.front().occurred_at;
    ctx.Emit("payout.updated", ctx.Key("payout:" + id), id, at, ToJson(p, EventStorage()));
  }
}

void TranslateWebhook(od::document& doc, Ctx& ctx, const std::string& topic) {
  ForEachField(doc.get_object().value(), [&](std::string_view k, od::value& f) {
    if (k != "data") {
      return;
    }
    ForEachField(f, [&](std::string_view dk, od::value& df) {
      if (dk != "object") {
        return;
      }
      ForEachField(df, [&](std::string_view ok, od::value& obj) {
        if (ok == "order_created" || ok == "order_updated") {
          OrderNotification(obj, ctx);
        } else if (ok == "order") {
          std::string version;
          Order o = ReadFullOrder(obj, ctx, &version);
          std::string source_id = o.lineage.source_id;
          std::string key = o.order_id;
          ctx.Emit("order.updated", std::move(key), std::move(source_id), o.updated_at,
                   ToJson(o, EventStorage()));
        } else if (ok == "payment") {
          Payment(obj, ctx);
        } else if (ok == "refund") {
          RefundObject(obj, ctx);
        } else if (ok == "customer") {
          CustomerObject(obj, ctx);
        } else if (ok == "inventory_counts") {
          InventoryCounts(obj, ctx);
        } else if (ok == "gift_card_activity") {
          GiftCardActivity(obj, ctx);
        } else if (ok == "payout") {
          PayoutObject(obj, ctx);
        } else if (ok == "dispute") {
          DisputeObject(obj, ctx, topic);
        }
      });
    });
  });
}

bool Translated(std::string_view topic) {
  static constexpr std::string_view kTopics[] = {"order.created",
                                                 "order.updated",
                                                 "payment.created",
                                                 "payment.updated",
                                                 "refund.created",
                                                 "refund.updated",
                                                 "customer.created",
                                                 "customer.updated",
                                                 "inventory.count.updated",
                                                 "gift_card.activity.created",
                                                 "gift_card.activity.updated",
                                                 "payout.sent",
                                                 "payout.paid",
                                                 "payout.failed",
                                                 "dispute.created",
                                                 "dispute.state.updated",
                                                 "dispute.state.changed",
                                                 "order",
                                                 "payout_entries"};
  for (std::string_view t : kTopics) {
    if (t == topic) {
      return true;
    }
  }
  return false;
}

bool IsPage(std::string_view topic) { return topic == "order" || topic == "payout_entries"; }

// Whether the body's top level holds `key` as an object (no envelope needed).
Result<bool> HasTopLevelObject(std::string_view body, std::string_view key) {
  bool found = false;
  auto r = RunTranslator(body, [&](od::document& doc) {
    auto f = doc.get_object().value().find_field_unordered(key);
    if (f.error() == simdjson::SUCCESS) {
      found = f.value_unsafe().type().value() == od::json_type::object;
    } else if (f.error() != simdjson::NO_SUCH_FIELD) {
      throw simdjson::simdjson_error(f.error());
    }
    return std::vector<Event>{};
  });
  if (!r) {
    return Fail(r.error());
  }
  return found;
}

}  // namespace

Status SquareConnector::Verify(const Delivery& delivery, const Secrets& secrets,
                               const Clock& /*clock*/) const {
  auto header = delivery.Header("x-square-hmacsha256-signature");
  if (!header || header->empty()) {
    return Fail(ErrorCode::kUnauthenticated, "missing x-square-hmacsha256-signature header");
  }
  constexpr std::size_t kBase64Sha256Chars = 44;
  if (header->size() != kBase64Sha256Chars) {
    return Fail(ErrorCode::kUnauthenticated,
                "malformed x-square-hmacsha256-signature header: not a base64 SHA-256 digest");
  }
  if (delivery.url.empty()) {
    return Fail(ErrorCode::kUnauthenticated,
                "Square signatures cover the notification URL: configure it (Delivery::url)");
  }
  if (secrets.active.empty()) {
    return Fail(ErrorCode::kUnauthenticated, "no active Square signature key configured");
  }
  std::string message;
  message.reserve(delivery.url.size() + delivery.body.size());
  message.append(delivery.url).append(delivery.body);
  bool match = false;
  for (const std::string& key : secrets.active) {
    match = ConstantTimeEquals(Base64Encode(HmacSha256(key, message)), *header) || match;
  }
  if (!match) {
    return Fail(ErrorCode::kUnauthenticated,
                "x-square-hmacsha256-signature does not match URL + body under any active key");
  }
  return Ok();
}

Result<std::string> SquareConnector::DedupKey(const Delivery& delivery) const {
  if (IsPage(delivery.topic)) {
    return "sha256:" + Sha256Hex(delivery.body);
  }
  HUB_TRY(auto id, PeekBody(delivery.body, "event_id"));
  if (!id || id->empty()) {
    if (delivery.topic.empty()) {
      HUB_TRY(const bool order, HasTopLevelObject(delivery.body, "order"));
      if (order) {
        return "sha256:" + Sha256Hex(delivery.body);  // an order read back, POSTed
      }
    }
    return Fail(ErrorCode::kInvalidArgument, "Square event has no event_id", "event_id");
  }
  return *id;
}

Result<std::string> SquareConnector::Topic(const Delivery& delivery) const {
  if (!delivery.topic.empty()) {
    return delivery.topic;
  }
  HUB_TRY(auto type, PeekBody(delivery.body, "type"));
  if (!type || type->empty()) {
    HUB_TRY(const bool order, HasTopLevelObject(delivery.body, "order"));
    if (order) {
      return std::string("order");
    }
    return Fail(ErrorCode::kInvalidArgument, "Square event has no type", "type");
  }
  return *type;
}

Result<std::vector<Event>> SquareConnector::Translate(const Delivery& delivery) const {
  HUB_TRY(const std::string topic, Topic(delivery));
  if (!Translated(topic)) {
    return Fail(ErrorCode::kUnmapped, "Square event type \"" + topic + "\" is not translated",
                "type");
  }
  HUB_TRY(const std::string dedup, DedupKey(delivery));
  std::string account = delivery.account;
  if (account.empty() && !IsPage(topic)) {
    HUB_TRY(auto merchant, PeekBody(delivery.body, "merchant_id"));
    account = merchant.value_or("");
  }
  Ctx ctx;
  ctx.ids = MakeEventIds(kSystem, account, dedup);
  ctx.account = std::move(account);
  return RunTranslator(delivery.body, [&](od::document& doc) {
    if (topic == "order") {
      TranslateOrderPage(doc, ctx);
    } else if (topic == "payout_entries") {
      TranslatePayoutEntries(doc, ctx);
    } else {
      TranslateWebhook(doc, ctx, topic);
    }
    return std::move(ctx.events);
  });
}

}  // namespace hub

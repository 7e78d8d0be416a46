// Shopify translation. Money: shop_money of a *_set when present, else the
// plain decimal string (shop currency); presentment_money is kept where the
// model has room (tenders, order presentment currency). Order amounts are
// checked: Σ(price × quantity) − discounts + shipping + tax (unless
// taxes_included) must equal total_price.
#include "connectors/shopify/shopify.h"
#include <algorithm>

#include <fmt/format.h>

#include <cstring>
#include <map>

#include "connectors/json_internal.h"
#include "core/model_json.h"

namespace hub {
namespace {

using namespace connectors_internal;  // NOLINT(google-build-using-namespace): private helpers

constexpr std::string_view kSystem = "shopify";

// Context of one delivery.
struct Ctx {
  std::string account;
  std::string triggered_at;  // X-Shopify-Triggered-At, the source version
  EventOut out;

  Lineage MakeLineage(std::string source_id, std::string_view updated_at) const {
    Lineage l;
    l.source_system = std::string(kSystem);
    l.source_account = account;
    l.source_id = std::move(source_id);
    l.source_version = triggered_at.empty() ? std::string(updated_at) : triggered_at;
    l.correlation_id = out.ids().correlation_id;
    return l;
  }
  std::string OrderKey(std::string_view source_order_id) const {
    return fmt::format("shopify:{}:{}", account, source_order_id);
  }
  template <typename Record>
  void Emit(std::string_view type, std::string_view key, std::string_view source_id, Instant at,
            const Record& record) {
    out.Emit(type, key, source_id, at, record);
  }
};

// A Shopify amount: the plain field and/or its MoneyBag (*_set).
struct MoneyText {
  std::string_view plain;
  std::string_view shop_amount, shop_currency;
  std::string_view presentment_amount, presentment_currency;
};

void ReadAmountCurrency(od::value& v, std::string_view* amount, std::string_view* currency) {
  if (IsNull(v)) {
    return;
  }
  ForEachField(v, [&](Key key, od::value& f) {
    if (key == "amount") {
      *amount = DecimalText(f);
    } else if (key == "currency_code" || key == "currency") {
      *currency = Str(f);
    }
  });
}

void ReadSet(od::value& v, MoneyText* out) {
  if (IsNull(v)) {
    return;
  }
  ForEachField(v, [&](Key key, od::value& f) {
    if (key == "shop_money") {
      ReadAmountCurrency(f, &out->shop_amount, &out->shop_currency);
    } else if (key == "presentment_money") {
      ReadAmountCurrency(f, &out->presentment_amount, &out->presentment_currency);
    }
  });
}

// Shop money of `m`; `leaf` names the plain field for errors.
Money Resolve(const MoneyText& m, Currency shop, std::string_view leaf, bool required = true) {
  if (!m.shop_amount.empty()) {
    const std::string set_leaf = std::string(leaf) + "_set.shop_money";
    if (!m.shop_currency.empty() &&
        ParseCurrency(m.shop_currency, set_leaf + ".currency_code") != shop) {
      Throw(
          ErrorCode::kCurrencyMismatch,
          fmt::format("shop_money is in {}, the shop currency is {}", m.shop_currency, shop.code()),
          set_leaf + ".currency_code");
    }
    return ParseMoney(m.shop_amount, shop, set_leaf + ".amount");
  }
  if (m.plain.empty()) {
    if (required) {
      Throw(ErrorCode::kInvalidArgument, "amount is missing", leaf);
    }
    return Money::Zero(shop);
  }
  return ParseMoney(m.plain, shop, leaf);
}

std::optional<Money> Presentment(const MoneyText& m, std::string_view leaf) {
  if (m.presentment_amount.empty() || m.presentment_currency.empty()) {
    return std::nullopt;
  }
  const std::string set_leaf = std::string(leaf) + "_set.presentment_money";
  const Currency c = ParseCurrency(m.presentment_currency, set_leaf + ".currency_code");
  return ParseMoney(m.presentment_amount, c, set_leaf + ".amount");
}

// Reads `key` into `m` when it is `name` or `name_set`; true if consumed.
// Inline: it is the last test of every member chain, so most keys reach it
// and fail on their length.
template <std::size_t N>
bool ReadMoneyField(std::string_view key, const char (&name)[N], od::value& v, MoneyText* m) {
  constexpr std::size_t kNameBytes = N - 1;
  constexpr std::string_view kSet = "_set";
  if (key.size() == kNameBytes && std::memcmp(key.data(), name, kNameBytes) == 0) {
    m->plain = DecimalText(v);
    return true;
  }
  if (key.size() == kNameBytes + kSet.size() && std::memcmp(key.data(), name, kNameBytes) == 0 &&
      key.substr(kNameBytes) == kSet) {
    ReadSet(v, m);
    return true;
  }
  return false;
}

Instant TimeOr(od::value& v, Instant fallback) {
  auto t = Time(v);
  return t ? *t : fallback;
}

Instant ParseDate(std::string_view date, std::string_view leaf) {
  auto t = ParseRfc3339(std::string(date) + "T00:00:00Z");
  if (!t) {
    Throw(ErrorCode::kInvalidArgument, fmt::format("\"{}\" is not a YYYY-MM-DD date", date), leaf);
  }
  return *t;
}

std::vector<TaxLine> ReadTaxLines(od::value& v, Currency shop) {
  std::vector<TaxLine> out;
  ForEachElement(v, [&](std::int64_t, od::value& e) {
    TaxLine t;
    MoneyText price;
    std::string_view rate;
    ForEachField(e, [&](Key key, od::value& f) {
      if (key == "title") {
        t.code = Str(f);
      } else if (key == "rate") {
        rate = DecimalText(f);
      } else {
        ReadMoneyField(key, "price", f, &price);
      }
    });
    t.rate_ppm = RatePpm(rate, "rate");
    t.amount = Resolve(price, shop, "price");
    out.push_back(std::move(t));
  });
  return out;
}

struct PendingAllocation {
  std::size_t application_index;
  DiscountAllocation* target;
};

std::vector<DiscountAllocation> ReadAllocations(od::value& v, Currency shop,
                                                std::vector<std::int64_t>* app_indexes) {
  std::vector<DiscountAllocation> out;
  ForEachElement(v, [&](std::int64_t, od::value& e) {
    DiscountAllocation d;
    MoneyText amount;
    std::int64_t app = -1;
    ForEachField(e, [&](Key key, od::value& f) {
      if (key == "discount_application_index") {
        app = Int(f);
      } else {
        ReadMoneyField(key, "amount", f, &amount);
      }
    });
    d.amount = Resolve(amount, shop, "amount");
    out.push_back(std::move(d));
    app_indexes->push_back(app);
  });
  return out;
}

Address ReadAddress(od::value& v) {
  Address a;
  ForEachField(v, [&](Key key, od::value& f) {
    if (key == "address1") {
      a.line1 = Str(f);
    } else if (key == "address2") {
      a.line2 = Str(f);
    } else if (key == "city") {
      a.city = Str(f);
    } else if (key == "province_code") {
      a.region = Str(f);
    } else if (key == "zip") {
      a.postcode = Str(f);
    } else if (key == "country_code") {
      a.country = Str(f);
    }
  });
  return a;
}

Customer ReadCustomer(od::value& v, const Ctx& ctx, std::string* source_id, Instant* updated) {
  Customer c;
  std::optional<Address> default_address;
  std::string_view updated_text;
  ForEachField(v, [&](Key key, od::value& f) {
    if (key == "id") {
      *source_id = Id(f);
    } else if (key == "first_name") {
      c.first_name = Str(f);
    } else if (key == "last_name") {
      c.last_name = Str(f);
    } else if (key == "email") {
      if (auto e = Str(f); !e.empty()) {
        c.emails.emplace_back(e);
      }
    } else if (key == "phone") {
      if (auto p = Str(f); !p.empty()) {
        c.phones.emplace_back(p);
      }
    } else if (key == "accepts_marketing") {
      c.accepts_marketing = Bool(f);
    } else if (key == "default_address") {
      if (!IsNull(f)) {
        default_address = ReadAddress(f);
      }
    } else if (key == "addresses") {
      ForEachElement(f, [&](std::int64_t, od::value& a) { c.addresses.push_back(ReadAddress(a)); });
    } else if (key == "updated_at") {
      updated_text = Str(f);
      *updated = TimeText(updated_text);
    }
  });
  if (c.addresses.empty() && default_address) {
    c.addresses.push_back(std::move(*default_address));
  }
  c.lineage = ctx.MakeLineage(*source_id, updated_text);
  return c;
}

TenderKind KindForGateway(std::string_view gateway) {
  if (gateway == "gift_card") {
    return TenderKind::kGiftCard;
  }
  if (gateway == "cash" || gateway == "Cash") {
    return TenderKind::kCash;
  }
  if (gateway == "shopify_store_credit" || gateway == "store_credit") {
    return TenderKind::kStoreCredit;
  }
  if (gateway == "manual") {
    return TenderKind::kOther;
  }
  return TenderKind::kCard;
}

std::string TenderStatus(std::string_view kind, std::string_view status) {
  if (status == "failure" || status == "error") {
    return "failed";
  }
  if (status == "pending") {
    return "pending";
  }
  if (kind == "authorization") {
    return "authorized";
  }
  if (kind == "void") {
    return "voided";
  }
  if (kind == "refund") {
    return "refunded";
  }
  return "captured";  // sale, capture
}

// One transaction (order or refund). `kind_out` receives Shopify's kind.
Tender ReadTransaction(od::value& v, Currency shop, std::string* kind_out) {
  Tender t;
  MoneyText amount;
  std::string_view kind, status, currency;
  ForEachField(v, [&](Key key, od::value& f) {
    if (key == "id") {
      t.tender_id = Id(f);
    } else if (key == "kind") {
      kind = Str(f);
    } else if (key == "status") {
      status = Str(f);
    } else if (key == "gateway") {
      t.gateway = Str(f);
    } else if (key == "authorization") {
      t.gateway_reference = Str(f);
    } else if (key == "currency") {
      currency = Str(f);
    } else if (key == "processed_at" || (key == "created_at" && t.occurred_at.micros == 0)) {
      t.occurred_at = TimeOr(f, t.occurred_at);
    } else if (key == "receipt") {
      if (!IsNull(f)) {
        ForEachField(f, [&](Key rk, od::value& rf) {
          if (rk == "gift_card_id") {
            t.gift_card_id = Id(rf);
          }
        });
      }
    } else {
      ReadMoneyField(key, "amount", f, &amount);
    }
  });
  // A transaction's plain amount is in its own currency; the shop money of
  // amount_set is authoritative when present.
  Currency c = shop;
  if (amount.shop_amount.empty() && !currency.empty()) {
    c = ParseCurrency(currency, "currency");
  }
  t.amount = Resolve(amount, c, "amount");
  t.presentment_amount = Presentment(amount, "amount");
  if (t.presentment_amount && *t.presentment_amount == t.amount) {
    t.presentment_amount.reset();
  }
  t.kind = KindForGateway(t.gateway);
  t.status = TenderStatus(kind, status);
  *kind_out = std::string(kind);
  return t;
}

struct OrderTotals {
  MoneyText total, subtotal, tax, discounts, shipping;
};

// Σ(price × qty) − discounts + shipping + tax(unless included) == total.
void CheckOrderAmounts(const Order& o, bool any_allocation, const std::string& source_id) {
  Money lines = Money::Zero(o.currency);
  Money allocated = Money::Zero(o.currency);
  for (std::size_t i = 0; i < o.lines.size(); ++i) {
    PathScope a("line_items");
    PathScope b(static_cast<std::int64_t>(i));
    lines = AddMoney(lines, MulMoney(o.lines[i].unit_price, o.lines[i].quantity, "quantity"));
    for (const auto& d : o.lines[i].discounts) {
      allocated = AddMoney(allocated, d.amount);
    }
  }
  Money shipping = Money::Zero(o.currency);
  for (const auto& s : o.shipping) {
    shipping = AddMoney(shipping, s.price);
    for (const auto& d : s.discounts) {
      allocated = AddMoney(allocated, d.amount);
    }
  }
  const Money discounts = any_allocation ? allocated : o.total_discounts;
  Money expected = AddMoney(SubMoney(lines, discounts), shipping);
  if (!o.taxes_included) {
    expected = AddMoney(expected, o.total_tax);
  }
  if (expected != o.total) {
    Throw(
        ErrorCode::kAmountMismatch,
        fmt::format("order {}: lines {} - discounts {} + shipping {}{} = {} but total_price is {}",
                    source_id, lines.ToDecimal(), discounts.ToDecimal(), shipping.ToDecimal(),
                    o.taxes_included ? " (tax included)"
                                     : fmt::format(" + tax {}", o.total_tax.ToDecimal()),
                    expected.ToDecimal(), o.total.ToDecimal()),
        "total_price");
  }
}

Order ReadOrder(od::document& doc, const Ctx& ctx, std::string* source_id) {
  auto currency_text = PeekTopLevel(doc, "currency");
  if (!currency_text) {
    Throw(ErrorCode::kInvalidArgument, "order currency is missing", "currency");
  }
  Order o;
  o.currency = ParseCurrency(*currency_text, "currency");
  const Currency shop = o.currency;
  OrderTotals totals;
  std::vector<std::int64_t> line_apps, ship_apps;
  std::vector<std::string> app_names;
  std::string_view updated_text;
  std::string_view source_name;
  bool cancelled = false;
  bool any_allocation = false;
  ForEachField(doc.get_object().value(), [&](Key key, od::value& f) {
    if (key == "id") {
      *source_id = Id(f);
    } else if (key == "name") {
      o.order_number = Str(f);
    } else if (key == "source_name") {
      source_name = Str(f);
    } else if (key == "location_id") {
      o.location_id = Id(f);
    } else if (key == "presentment_currency") {
      if (auto p = Str(f); !p.empty()) {
        o.presentment_currency = ParseCurrency(p, {});
      }
    } else if (key == "taxes_included") {
      o.taxes_included = Bool(f);
    } else if (key == "financial_status") {
      o.status = Str(f);
    } else if (key == "cancelled_at") {
      cancelled = !IsNull(f);
    } else if (key == "created_at") {
      o.placed_at = TimeOr(f, o.placed_at);
    } else if (key == "updated_at") {
      updated_text = Str(f);
      o.updated_at = TimeText(updated_text);
    } else if (key == "customer") {
      if (!IsNull(f)) {
        Instant ignored;
        o.customer = ReadCustomer(f, ctx, &o.customer_source_id, &ignored);
      }
    } else if (key == "line_items") {
      ForEachElement(f, [&](std::int64_t, od::value& li) {
        OrderLine line;
        MoneyText price;
        std::vector<std::int64_t> apps;
        ForEachField(li, [&](Key k, od::value& lf) {
          if (k == "id") {
            line.line_id = Id(lf);
          } else if (k == "sku") {
            line.sku = Str(lf);
          } else if (k == "title") {
            line.title = Str(lf);
          } else if (k == "quantity") {
            line.quantity = Int(lf);
          } else if (k == "gift_card") {
            line.gift_card = Bool(lf);
          } else if (k == "discount_allocations") {
            line.discounts = ReadAllocations(lf, shop, &apps);
          } else if (k == "tax_lines") {
            line.taxes = ReadTaxLines(lf, shop);
          } else {
            ReadMoneyField(k, "price", lf, &price);
          }
        });
        if (line.quantity < 0) {
          Throw(ErrorCode::kInvalidArgument, "quantity must not be negative", "quantity");
        }
        line.unit_price = Resolve(price, shop, "price");
        any_allocation = any_allocation || !line.discounts.empty();
        line_apps.insert(line_apps.end(), apps.begin(), apps.end());
        o.lines.push_back(std::move(line));
      });
    } else if (key == "shipping_lines") {
      ForEachElement(f, [&](std::int64_t, od::value& sl) {
        ShippingLine s;
        MoneyText price;
        ForEachField(sl, [&](Key k, od::value& sf) {
          if (k == "title") {
            s.title = Str(sf);
          } else if (k == "discount_allocations") {
            s.discounts = ReadAllocations(sf, shop, &ship_apps);
          } else if (k == "tax_lines") {
            s.taxes = ReadTaxLines(sf, shop);
          } else {
            ReadMoneyField(k, "price", sf, &price);
          }
        });
        s.price = Resolve(price, shop, "price");
        any_allocation = any_allocation || !s.discounts.empty();
        o.shipping.push_back(std::move(s));
      });
    } else if (key == "discount_applications") {
      ForEachElement(f, [&](std::int64_t, od::value& da) {
        std::string code, title;
        ForEachField(da, [&](Key k, od::value& df) {
          if (k == "code") {
            code = Str(df);
          } else if (k == "title") {
            title = Str(df);
          }
        });
        app_names.push_back(code.empty() ? title : code);
      });
    } else if (key == "discount_codes") {
      ForEachElement(f, [&](std::int64_t, od::value& dc) {
        DiscountAllocation d;
        std::string_view amount;
        ForEachField(dc, [&](Key k, od::value& df) {
          if (k == "code") {
            d.code = Str(df);
          } else if (k == "amount") {
            amount = DecimalText(df);
          }
        });
        d.amount = ParseMoney(amount, shop, "amount");
        o.order_discounts.push_back(std::move(d));
      });
    } else if (key == "transactions") {
      ForEachElement(f, [&](std::int64_t, od::value& t) {
        std::string kind;
        Tender tender = ReadTransaction(t, shop, &kind);
        if (kind != "refund") {
          o.tenders.push_back(std::move(tender));
        }
      });
    } else if (ReadMoneyField(key, "total_price", f, &totals.total) ||
               ReadMoneyField(key, "subtotal_price", f, &totals.subtotal) ||
               ReadMoneyField(key, "total_tax", f, &totals.tax) ||
               ReadMoneyField(key, "total_discounts", f, &totals.discounts) ||
               ReadMoneyField(key, "total_shipping_price", f, &totals.shipping)) {
    }
  });
  if (source_id->empty()) {
    Throw(ErrorCode::kInvalidArgument, "order id is missing", "id");
  }
  // Name each allocation after its discount application.
  auto name_of = [&](std::int64_t idx) -> std::string {
    if (idx >= 0 && static_cast<std::size_t>(idx) < app_names.size()) {
      return app_names[static_cast<std::size_t>(idx)];
    }
    return {};
  };
  std::size_t li = 0;
  for (auto& line : o.lines) {
    for (auto& d : line.discounts) {
      d.code = name_of(line_apps[li++]);
    }
  }
  std::size_t si = 0;
  for (auto& s : o.shipping) {
    for (auto& d : s.discounts) {
      d.code = name_of(ship_apps[si++]);
    }
  }
  if (any_allocation) {
    o.order_discounts.clear();  // already allocated to lines
  }
  o.total = Resolve(totals.total, shop, "total_price");
  o.subtotal = Resolve(totals.subtotal, shop, "subtotal_price", false);
  o.total_tax = Resolve(totals.tax, shop, "total_tax", false);
  o.total_discounts = Resolve(totals.discounts, shop, "total_discounts", false);
  if (!totals.shipping.shop_amount.empty() || !totals.shipping.plain.empty()) {
    o.total_shipping = Resolve(totals.shipping, shop, "total_shipping_price");
  } else {
    o.total_shipping = Money::Zero(shop);
    for (const auto& s : o.shipping) {
      o.total_shipping = AddMoney(o.total_shipping, s.price);
    }
  }
  if (o.presentment_currency && *o.presentment_currency == o.currency) {
    o.presentment_currency.reset();
  }
  if (source_name == "pos") {
    o.channel = Channel::kPos;
    o.fulfillment_method = FulfillmentMethod::kInStore;
  }
  // Local pickup: Shopify names it in the shipping line ("Pickup in store",
  // code "pickup"); the goods leave at the store, not in a parcel.
  for (const auto& s : o.shipping) {
    std::string t = s.title;
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (t.find("pickup") != std::string::npos || t.find("pick up") != std::string::npos) {
      o.fulfillment_method = FulfillmentMethod::kPickup;
    }
  }
  if (cancelled) {
    o.status = "cancelled";
  }
  o.order_id = ctx.OrderKey(*source_id);
  o.lineage = ctx.MakeLineage(*source_id, updated_text);
  CheckOrderAmounts(o, any_allocation, *source_id);
  return o;
}

void TranslateOrder(od::document& doc, Ctx& ctx, std::string type) {
  std::string source_id;
  Order o = ReadOrder(doc, ctx, &source_id);
  const Instant at = o.updated_at.micros != 0 ? o.updated_at : o.placed_at;
  ctx.Emit(type, o.order_id, source_id, at, o);
}

void TranslateOrderTransaction(od::document& doc, Ctx& ctx) {
  // order_transactions/create: one transaction; its currency is its own.
  auto currency = PeekTopLevel(doc, "currency");
  if (!currency) {
    Throw(ErrorCode::kInvalidArgument, "transaction currency is missing", "currency");
  }
  const Currency c = ParseCurrency(*currency, "currency");
  auto order_id = PeekTopLevel(doc, "order_id");
  if (!order_id) {
    Throw(ErrorCode::kInvalidArgument, "order_id is missing", "order_id");
  }
  std::string kind;
  od::value root = doc.get_value().value();
  Tender t = ReadTransaction(root, c, &kind);
  if (t.status != "captured") {
    return;  // authorizations, voids, failures and refunds are not captures
  }
  std::string id = t.tender_id;
  const Instant at = t.occurred_at;
  ctx.Emit("tender.captured", ctx.OrderKey(*order_id), std::move(id), at, t);
}

void TranslateFulfillment(od::document& doc, Ctx& ctx) {
  Fulfillment fl;
  std::string source_id, order_source_id;
  std::string_view updated_text;
  Instant created, updated;
  ForEachField(doc.get_object().value(), [&](Key key, od::value& f) {
    if (key == "id") {
      source_id = Id(f);
    } else if (key == "order_id") {
      order_source_id = Id(f);
    } else if (key == "status") {
      fl.status = Str(f);
    } else if (key == "location_id") {
      fl.location_id = Id(f);
    } else if (key == "created_at") {
      created = TimeOr(f, created);
    } else if (key == "updated_at") {
      updated_text = Str(f);
      updated = TimeText(updated_text);
    } else if (key == "line_items") {
      ForEachElement(f, [&](std::int64_t, od::value& li) {
        FulfillmentLine line;
        ForEachField(li, [&](Key k, od::value& lf) {
          if (k == "id") {
            line.line_id = Id(lf);
          } else if (k == "sku") {
            line.sku = Str(lf);
          } else if (k == "quantity") {
            line.quantity = Int(lf);
          }
        });
        fl.lines.push_back(std::move(line));
      });
    }
  });
  if (source_id.empty() || order_source_id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "fulfillment id and order_id are required",
          source_id.empty() ? "id" : "order_id");
  }
  fl.fulfillment_id = source_id;
  fl.order_id = ctx.OrderKey(order_source_id);
  fl.occurred_at = updated.micros != 0 ? updated : created;
  fl.lineage = ctx.MakeLineage(source_id, updated_text);
  const Instant at = fl.occurred_at;
  std::string key = fl.order_id;
  ctx.Emit("fulfillment.created", std::move(key), source_id, at, fl);
}

void TranslateRefund(od::document& doc, Ctx& ctx) {
  std::string return_location;
  Refund r;
  std::string source_id, order_source_id;
  bool restock_all = false;
  bool any_return_line = false;
  std::optional<Currency> currency;
  std::vector<std::string> restock_types;
  struct Adjustment {
    std::string_view kind, amount, tax;
  };
  std::vector<Adjustment> adjustments;
  std::vector<MoneyText> line_taxes;
  ForEachField(doc.get_object().value(), [&](Key key, od::value& f) {
    if (key == "id") {
      source_id = Id(f);
    } else if (key == "order_id") {
      order_source_id = Id(f);
    } else if (key == "created_at" || key == "processed_at") {
      r.occurred_at = TimeOr(f, r.occurred_at);
    } else if (key == "note") {
      r.reason = Str(f);
    } else if (key == "restock") {
      restock_all = Bool(f);
    } else if (key == "refund_line_items") {
      ForEachElement(f, [&](std::int64_t, od::value& rli) {
        ReturnLine line;
        std::string_view restock_type;
        MoneyText tax;
        ForEachField(rli, [&](Key k, od::value& lf) {
          if (k == "line_item_id") {
            line.line_id = Id(lf);
          } else if (k == "quantity") {
            line.quantity = Int(lf);
          } else if (k == "restock_type") {
            restock_type = Str(lf);
          } else if (k == "location_id" && !IsNull(lf)) {
            // Where the goods came back (a store for POS returns).
            return_location = Id(lf);
          } else if (k == "line_item" && !IsNull(lf)) {
            ForEachField(lf, [&](Key ik, od::value& iv) {
              if (ik == "sku") {
                line.sku = Str(iv);
              }
            });
          } else {
            ReadMoneyField(k, "total_tax", lf, &tax);
          }
        });
        line.restock = restock_type.empty() ? restock_all : restock_type != "no_restock";
        any_return_line = any_return_line || restock_type == "return";
        line_taxes.push_back(tax);
        r.lines.push_back(std::move(line));
      });
    } else if (key == "transactions") {
      ForEachElement(f, [&](std::int64_t, od::value& t) {
        std::string kind;
        // Refund transactions carry their own currency.
        Tender tender = ReadTransaction(t, Currency(), &kind);
        if (kind == "refund" && tender.status == "refunded") {
          currency = tender.amount.currency();
          r.tenders.push_back(std::move(tender));
        }
      });
    } else if (key == "order_adjustments") {
      ForEachElement(f, [&](std::int64_t, od::value& a) {
        Adjustment adj;
        ForEachField(a, [&](Key k, od::value& af) {
          if (k == "kind") {
            adj.kind = Str(af);
          } else if (k == "amount") {
            adj.amount = DecimalText(af);
          } else if (k == "tax_amount") {
            adj.tax = DecimalText(af);
          }
        });
        adjustments.push_back(adj);
      });
    }
  });
  if (source_id.empty() || order_source_id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "refund id and order_id are required",
          source_id.empty() ? "id" : "order_id");
  }
  // Without a transaction there is no money and no currency to book.
  if (currency) {
    r.amount = Money::Zero(*currency);
    r.shipping_refunded = Money::Zero(*currency);
    r.tax_refunded = Money::Zero(*currency);
    for (const auto& t : r.tenders) {
      r.amount = AddMoney(r.amount, t.amount);
    }
    for (std::size_t i = 0; i < line_taxes.size(); ++i) {
      PathScope a("refund_line_items");
      PathScope b(static_cast<std::int64_t>(i));
      r.tax_refunded =
          AddMoney(r.tax_refunded, Resolve(line_taxes[i], *currency, "total_tax", false));
    }
    for (std::size_t i = 0; i < adjustments.size(); ++i) {
      PathScope a("order_adjustments");
      PathScope b(static_cast<std::int64_t>(i));
      if (adjustments[i].kind == "shipping_refund") {
        // Shopify writes refunded shipping as a negative adjustment.
        r.shipping_refunded =
            SubMoney(r.shipping_refunded, ParseMoney(adjustments[i].amount, *currency, "amount"));
        if (!adjustments[i].tax.empty()) {
          r.tax_refunded =
              SubMoney(r.tax_refunded, ParseMoney(adjustments[i].tax, *currency, "tax_amount"));
        }
      }
    }
  }
  r.refund_id = source_id;
  r.order_id = ctx.OrderKey(order_source_id);
  r.lineage = ctx.MakeLineage(source_id, {});
  const Instant at = r.occurred_at;
  if ((restock_all || any_return_line) && !r.lines.empty()) {
    Return ret;
    ret.return_id = source_id;
    ret.order_id = r.order_id;
    ret.lines = r.lines;
    ret.location_id = return_location;
    ret.occurred_at = at;
    ret.lineage = r.lineage;
    r.return_id = source_id;
    ctx.Emit("return.created", r.order_id, source_id, at, ret);
  }
  std::string key = r.order_id;
  ctx.Emit("refund.created", std::move(key), source_id, at, r);
}

void TranslateCustomer(od::document& doc, Ctx& ctx) {
  std::string source_id;
  Instant updated;
  od::value root = doc.get_value().value();
  Customer c = ReadCustomer(root, ctx, &source_id, &updated);
  if (source_id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "customer id is missing", "id");
  }
  ctx.Emit("customer.upserted", fmt::format("shopify:{}:customer:{}", ctx.account, source_id),
           source_id, updated, c);
}

void TranslateInventoryLevel(od::document& doc, Ctx& ctx) {
  InventoryAdjustment a;
  std::string_view updated_text;
  bool has_available = false;
  ForEachField(doc.get_object().value(), [&](Key key, od::value& f) {
    if (key == "inventory_item_id") {
      a.sku = Id(f);
    } else if (key == "location_id") {
      a.location_id = Id(f);
    } else if (key == "available") {
      has_available = !IsNull(f);
      if (has_available) {
        a.on_hand = Int(f);
      }
    } else if (key == "updated_at") {
      updated_text = Str(f);
      a.occurred_at = TimeText(updated_text);
    }
  });
  if (a.sku.empty() || a.location_id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "inventory_item_id and location_id are required",
          a.sku.empty() ? "inventory_item_id" : "location_id");
  }
  if (!has_available) {
    return;  // untracked item: nothing to count
  }
  a.reason = "count";
  std::string source_id = a.sku + "@" + a.location_id;
  a.lineage = ctx.MakeLineage(source_id, updated_text);
  const Instant at = a.occurred_at;
  ctx.Emit("inventory.adjusted", a.sku + "@" + a.location_id, source_id, at, a);
}

bool DisputeClosed(std::string_view status) {
  return status == "won" || status == "lost" || status == "accepted" || status == "charge_refunded";
}

void TranslateDispute(od::document& doc, Ctx& ctx, bool is_create) {
  auto currency = PeekTopLevel(doc, "currency");
  if (!currency) {
    Throw(ErrorCode::kInvalidArgument, "dispute currency is missing", "currency");
  }
  const Currency c = ParseCurrency(*currency, "currency");
  Dispute d;
  std::string source_id, order_source_id;
  std::string_view amount;
  ForEachField(doc.get_object().value(), [&](Key key, od::value& f) {
    if (key == "id") {
      source_id = Id(f);
    } else if (key == "order_id") {
      order_source_id = Id(f);
    } else if (key == "amount") {
      amount = DecimalText(f);
    } else if (key == "reason") {
      d.reason = Str(f);
    } else if (key == "status") {
      d.status = Str(f);
    } else if (key == "initiated_at") {
      d.occurred_at = TimeOr(f, d.occurred_at);
    }
  });
  if (source_id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "dispute id is missing", "id");
  }
  d.dispute_id = source_id;
  d.gateway = "shopify_payments";
  d.amount = ParseMoney(amount, c, "amount");
  d.fee = Money::Zero(c);
  if (!order_source_id.empty()) {
    d.order_id = ctx.OrderKey(order_source_id);
  }
  d.lineage = ctx.MakeLineage(source_id, {});
  std::string type = DisputeClosed(d.status) ? "dispute.closed"
                     : is_create             ? "dispute.created"
                                             : "dispute.updated";
  std::string key = d.order_id.empty()
                        ? fmt::format("shopify:{}:dispute:{}", ctx.account, source_id)
                        : d.order_id;
  const Instant at = d.occurred_at;
  ctx.Emit(std::move(type), std::move(key), source_id, at, d);
}

std::string PayoutEventType(std::string_view status) {
  if (status == "paid") {
    return "payout.paid";
  }
  if (status == "failed" || status == "canceled" || status == "cancelled") {
    return "payout.failed";
  }
  return "payout.updated";
}

// A payout object (payouts.json entry / payout webhook): no lines, but the
// summary must explain the amount: Σ(gross − fee) == amount.
void TranslatePayout(od::document& doc, Ctx& ctx) {
  auto currency = PeekTopLevel(doc, "currency");
  if (!currency) {
    Throw(ErrorCode::kInvalidArgument, "payout currency is missing", "currency");
  }
  const Currency c = ParseCurrency(*currency, "currency");
  Payout p;
  std::string_view amount;
  Money explained = Money::Zero(c);
  bool has_summary = false;
  ForEachField(doc.get_object().value(), [&](Key key, od::value& f) {
    if (key == "id") {
      p.payout_id = Id(f);
    } else if (key == "status") {
      p.status = Str(f);
    } else if (key == "date") {
      p.arrival_at = ParseDate(Str(f), {});
    } else if (key == "amount") {
      amount = DecimalText(f);
    } else if (key == "summary" && !IsNull(f)) {
      has_summary = true;
      ForEachField(f, [&](std::string_view k, od::value& sf) {
        const bool gross = k.ends_with("_gross_amount");
        const bool fee = k.ends_with("_fee_amount");
        if (gross || fee) {
          const Money m = ParseMoney(DecimalText(sf), c, {});
          explained = gross ? AddMoney(explained, m) : SubMoney(explained, m);
        }
      });
    }
  });
  if (p.payout_id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "payout id is missing", "id");
  }
  p.gateway = "shopify_payments";
  p.amount = ParseMoney(amount, c, "amount");
  if (has_summary && explained != p.amount) {
    Throw(ErrorCode::kAmountMismatch,
          fmt::format("payout {}: summary gross - fees = {} but amount is {}", p.payout_id,
                      explained.ToDecimal(), p.amount.ToDecimal()),
          "summary");
  }
  p.lineage = ctx.MakeLineage(p.payout_id, {});
  std::string id = p.payout_id;
  const Instant at = p.arrival_at;
  ctx.Emit(PayoutEventType(p.status), fmt::format("shopify:{}:payout:{}", ctx.account, id), id, at,
           p);
}

PayoutLineKind PayoutKindFor(std::string_view type) {
  if (type == "charge") {
    return PayoutLineKind::kCharge;
  }
  if (type == "refund") {
    return PayoutLineKind::kRefund;
  }
  if (type == "dispute") {
    return PayoutLineKind::kDispute;
  }
  if (type == "reserve") {
    return PayoutLineKind::kReserve;
  }
  if (type == "adjustment" || type == "credit" || type == "debit") {
    return PayoutLineKind::kAdjustment;
  }
  if (type == "payout" || type == "payout_failure" || type == "payout_cancellation") {
    return PayoutLineKind::kPayout;
  }
  Throw(ErrorCode::kUnmapped, fmt::format("unknown balance transaction type \"{}\"", type), "type");
}

// Shopify Payments balance transactions ({"transactions":[…]}, as the API
// page / payouts_transactions.json): one payout event per payout_id. Each row
// must satisfy net = amount − fee; a payout's own row is −(payout amount) and
// the other rows' nets must add up to it. Rows not yet in a payout are skipped.
void TranslatePayoutTransactions(od::document& doc, Ctx& ctx) {
  struct Group {
    Payout payout;
    std::string status;
    bool has_payout_row = false;
    Money payout_row;
  };
  std::vector<Group> groups;
  ForEachField(doc.get_object().value(), [&](Key key, od::value& f) {
    if (key != "transactions") {
      return;
    }
    ForEachElement(f, [&](std::int64_t, od::value& row) {
      PayoutLine line;
      std::string payout_id, order_id, status;
      std::string_view type, currency, amount, fee, net, source_type;
      ForEachField(row, [&](Key k, od::value& rf) {
        if (k == "id") {
          line.line_id = Id(rf);
        } else if (k == "type") {
          type = Str(rf);
        } else if (k == "payout_id") {
          payout_id = Id(rf);
        } else if (k == "payout_status") {
          status = Str(rf);
        } else if (k == "currency") {
          currency = Str(rf);
        } else if (k == "amount") {
          amount = DecimalText(rf);
        } else if (k == "fee") {
          fee = DecimalText(rf);
        } else if (k == "net") {
          net = DecimalText(rf);
        } else if (k == "source_id") {
          line.source_reference = Id(rf);
        } else if (k == "source_type") {
          source_type = Str(rf);
        } else if (k == "source_order_id") {
          order_id = Id(rf);
        } else if (k == "processed_at") {
          line.occurred_at = TimeOr(rf, line.occurred_at);
        }
      });
      if (payout_id.empty()) {
        return;
      }
      const Currency c = ParseCurrency(currency, "currency");
      line.kind = PayoutKindFor(type);
      line.gross = ParseMoney(amount, c, "amount");
      line.fee = ParseMoney(fee, c, "fee");
      line.net = ParseMoney(net, c, "net");
      if (SubMoney(line.gross, line.fee) != line.net) {
        Throw(ErrorCode::kAmountMismatch,
              fmt::format("transaction {}: amount {} - fee {} = {} but net is {}", line.line_id,
                          line.gross.ToDecimal(), line.fee.ToDecimal(),
                          SubMoney(line.gross, line.fee).ToDecimal(), line.net.ToDecimal()),
              "net");
      }
      if (!order_id.empty()) {
        line.order_reference = ctx.OrderKey(order_id);
      }
      line.description = fmt::format("{}/{}", type, source_type);
      Group* g = nullptr;
      for (auto& candidate : groups) {
        if (candidate.payout.payout_id == payout_id) {
          g = &candidate;
        }
      }
      if (g == nullptr) {
        groups.push_back(Group{});
        g = &groups.back();
        g->payout.payout_id = payout_id;
        g->payout.gateway = "shopify_payments";
        g->payout.amount = Money::Zero(c);
        g->status = status;
      }
      if (type == "payout") {
        g->has_payout_row = true;
        g->payout_row = line.net;
        g->payout.arrival_at = line.occurred_at;
      } else {
        g->payout.amount = AddMoney(g->payout.amount, line.net);
        g->payout.lines.push_back(std::move(line));
      }
    });
  });
  for (auto& g : groups) {
    if (g.has_payout_row) {
      const Money paid = [&] {
        auto n = g.payout_row.Negate();
        if (!n) {
          Throw(n.error().code, n.error().message);
        }
        return *n;
      }();
      if (paid != g.payout.amount) {
        Throw(ErrorCode::kAmountMismatch,
              fmt::format("payout {}: rows net to {} but the payout row pays {}",
                          g.payout.payout_id, g.payout.amount.ToDecimal(), paid.ToDecimal()),
              "transactions");
      }
    }
    g.payout.status = g.status;
    g.payout.lineage = ctx.MakeLineage(g.payout.payout_id, {});
    const std::string id = g.payout.payout_id;
    const Instant at = g.payout.arrival_at;
    ctx.Emit(PayoutEventType(g.status), fmt::format("shopify:{}:payout:{}", ctx.account, id), id,
             at, g.payout);
  }
}

using TopicFn = void (*)(od::document&, Ctx&);

// nullptr for a topic that is not translated.
TopicFn FindTopic(std::string_view topic) {
  static const std::map<std::string, TopicFn, std::less<>> kTopics = {
      {"orders/create", [](od::document& d, Ctx& c) { TranslateOrder(d, c, "order.created"); }},
      {"orders/updated", [](od::document& d, Ctx& c) { TranslateOrder(d, c, "order.updated"); }},
      {"orders/edited", [](od::document& d, Ctx& c) { TranslateOrder(d, c, "order.updated"); }},
      {"orders/paid", [](od::document& d, Ctx& c) { TranslateOrder(d, c, "order.paid"); }},
      {"orders/cancelled",
       [](od::document& d, Ctx& c) { TranslateOrder(d, c, "order.cancelled"); }},
      {"orders/fulfilled", [](od::document& d, Ctx& c) { TranslateOrder(d, c, "order.updated"); }},
      {"orders/partially_fulfilled",
       [](od::document& d, Ctx& c) { TranslateOrder(d, c, "order.updated"); }},
      {"order_transactions/create", &TranslateOrderTransaction},
      {"fulfillments/create", &TranslateFulfillment},
      {"fulfillments/update", &TranslateFulfillment},
      {"refunds/create", &TranslateRefund},
      {"customers/create", &TranslateCustomer},
      {"customers/update", &TranslateCustomer},
      {"inventory_levels/update", &TranslateInventoryLevel},
      {"disputes/create", [](od::document& d, Ctx& c) { TranslateDispute(d, c, true); }},
      {"disputes/update", [](od::document& d, Ctx& c) { TranslateDispute(d, c, false); }},
      {"payouts", &TranslatePayout},
      {"payouts/transactions", &TranslatePayoutTransactions},
  };
  auto it = kTopics.find(topic);
  return it == kTopics.end() ? nullptr : it->second;
}

// Translate and TranslateToJson: one mapping, two output forms.
Result<EventOut> Run(const ShopifyConnector& connector, const Delivery& delivery,
                     EventOut::Form form) {
  HUB_TRY(const std::string topic, connector.Topic(delivery));
  HUB_TRY(const std::string dedup, connector.DedupKey(delivery));
  std::string account = delivery.account;
  if (account.empty()) {
    account = std::string(delivery.Header("X-Shopify-Shop-Domain").value_or(""));
  }
  const TopicFn fn = FindTopic(topic);
  if (fn == nullptr) {
    return Fail(ErrorCode::kUnmapped, "Shopify topic \"" + topic + "\" is not translated", "topic");
  }
  EventIds ids = MakeEventIds(kSystem, account, dedup);
  Ctx ctx{std::move(account), std::string(delivery.Header("X-Shopify-Triggered-At").value_or("")),
          EventOut(std::move(ids), form)};
  HUB_TRY_STATUS(RunTranslation(delivery.body, [&](od::document& doc) { fn(doc, ctx); }));
  return std::move(ctx.out);
}

}  // namespace

Status ShopifyConnector::Verify(const Delivery& delivery, const Secrets& secrets,
                                const Clock& /*clock*/) const {
  auto header = delivery.Header("X-Shopify-Hmac-Sha256");
  if (!header) {
    header = delivery.Header("Shopify-Hmac-Sha256");
  }
  if (!header || header->empty()) {
    return Fail(ErrorCode::kUnauthenticated, "missing X-Shopify-Hmac-Sha256 header");
  }
  constexpr std::size_t kBase64Sha256Chars = 44;
  if (header->size() != kBase64Sha256Chars || header->back() != '=') {
    return Fail(ErrorCode::kUnauthenticated,
                "malformed X-Shopify-Hmac-Sha256 header: not a base64 SHA-256 digest");
  }
  if (secrets.active.empty()) {
    return Fail(ErrorCode::kUnauthenticated, "no active Shopify secret configured");
  }
  bool match = false;
  for (const std::string& secret : secrets.active) {
    // Keep comparing after a match so timing does not reveal which secret matched.
    match = ConstantTimeEquals(Base64Encode(HmacSha256(secret, delivery.body)), *header) || match;
  }
  if (!match) {
    return Fail(ErrorCode::kUnauthenticated,
                "X-Shopify-Hmac-Sha256 does not match the body under any active secret");
  }
  return Ok();
}

Result<std::string> ShopifyConnector::DedupKey(const Delivery& delivery) const {
  for (std::string_view h :
       {"X-Shopify-Event-Id", "Shopify-Event-Id", "X-Shopify-Webhook-Id", "Shopify-Webhook-Id"}) {
    if (auto v = delivery.Header(h); v && !v->empty()) {
      return std::string(*v);
    }
  }
  if (!delivery.topic.empty()) {
    return "sha256:" + Sha256Hex(delivery.body);
  }
  return Fail(ErrorCode::kInvalidArgument,
              "missing X-Shopify-Event-Id and X-Shopify-Webhook-Id headers", "headers");
}

Result<std::string> ShopifyConnector::Topic(const Delivery& delivery) const {
  if (!delivery.topic.empty()) {
    return delivery.topic;
  }
  for (std::string_view h : {"X-Shopify-Topic", "Shopify-Topic"}) {
    if (auto v = delivery.Header(h); v && !v->empty()) {
      return std::string(*v);
    }
  }
  return Fail(ErrorCode::kInvalidArgument, "missing X-Shopify-Topic header", "headers");
}

Result<std::vector<Event>> ShopifyConnector::Translate(const Delivery& delivery) const {
  HUB_TRY(EventOut out, Run(*this, delivery, EventOut::Form::kEvents));
  return out.TakeEvents();
}

Result<std::vector<std::string>> ShopifyConnector::TranslateToJson(const Delivery& delivery) const {
  HUB_TRY(EventOut out, Run(*this, delivery, EventOut::Form::kJson));
  return out.TakeJson();
}

}  // namespace hub

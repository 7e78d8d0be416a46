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

// Context of one delivery: views of the Delivery, which outlives it.
struct Ctx {
  std::string_view account;
  std::string_view triggered_at;  // X-Shopify-Triggered-At, the source version
  EventOut out;

  // A Lineage or a LineageView (of the delivery, the document and out.ids()).
  template <typename LineageT>
  void SetLineage(std::string_view source_id, std::string_view updated_at, LineageT* l) const {
    l->source_system = kSystem;
    l->source_account = account;
    l->source_id = source_id;
    l->source_version = triggered_at.empty() ? updated_at : triggered_at;
    l->correlation_id = out.ids().correlation_id;
    l->message_id = std::string_view();
  }
  Lineage MakeLineage(std::string_view source_id, std::string_view updated_at) const {
    Lineage l;
    SetLineage(source_id, updated_at, &l);
    return l;
  }
  // "shopify:<account>:<id>", into `out` (keeping its capacity).
  void SetOrderKey(std::string_view source_order_id, std::string* key) const {
    constexpr std::string_view kPrefix = "shopify:";
    key->clear();
    key->reserve(kPrefix.size() + account.size() + 1 + source_order_id.size());
    key->append(kPrefix).append(account).append(1, ':').append(source_order_id);
  }
  std::string OrderKey(std::string_view source_order_id) const {
    std::string key;
    SetOrderKey(source_order_id, &key);
    return key;
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

// Whether `code` is `c`'s code ignoring ASCII case, as ParseCurrency compares.
bool IsCurrencyCode(std::string_view code, Currency c) {
  if (code.size() != 3 || !c.valid()) {
    return false;
  }
  for (std::size_t i = 0; i < 3; ++i) {
    char ch = code[i];
    if (ch >= 'a' && ch <= 'z') {
      ch = static_cast<char>(ch - 'a' + 'A');
    }
    if (ch != c.code()[i]) {
      return false;
    }
  }
  return true;
}

// Shop money of `m`; `leaf` names the plain field for errors.
Money Resolve(const MoneyText& m, Currency shop, std::string_view leaf, bool required = true) {
  if (!m.shop_amount.empty()) {
    // The common case without building the error leaves below: a plain
    // amount in the shop currency.
    if (m.shop_currency.empty() || IsCurrencyCode(m.shop_currency, shop)) {
      if (auto fast = ParseMoneyFast(m.shop_amount, shop)) {
        return *fast;
      }
    }
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
[[gnu::always_inline]] inline bool ReadMoneyField(std::string_view key, const char (&name)[N],
                                                  od::value& v, MoneyText* m) {
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

// The readers below fill a record or its view (model_json.h): the order's
// wire form is written from views of the document, its tree from records.

template <typename TaxLineT>
void ReadTaxLines(od::value& v, Currency shop, std::vector<TaxLineT>* out) {
  out->clear();
  ForEachElement(v, [&](std::int64_t, od::value& e) {
    TaxLineT t;
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
    out->push_back(std::move(t));
  });
}

template <typename DiscountAllocationT>
void ReadAllocations(od::value& v, Currency shop, std::vector<std::int64_t>* app_indexes,
                     std::vector<DiscountAllocationT>* out) {
  out->clear();
  ForEachElement(v, [&](std::int64_t, od::value& e) {
    DiscountAllocationT d;
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
    out->push_back(std::move(d));
    app_indexes->push_back(app);
  });
}

// Fills `out`, a default Address or AddressView.
template <typename AddressT>
void ReadAddress(od::value& v, AddressT* out) {
  AddressT& a = *out;
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
}

// Fills `out`, a default Customer or CustomerView; `source_id` a std::string
// or a view.
template <typename CustomerT, typename Text>
void ReadCustomer(od::value& v, const Ctx& ctx, Text* source_id, Instant* updated, CustomerT* out) {
  using AddressT = typename decltype(CustomerT::addresses)::value_type;
  CustomerT& c = *out;
  std::optional<AddressT> default_address;
  std::string_view updated_text;
  ForEachField(v, [&](Key key, od::value& f) {
    if (key == "id") {
      *source_id = IdText(f);
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
        ReadAddress(f, &default_address.emplace());
      }
    } else if (key == "addresses") {
      ForEachElement(
          f, [&](std::int64_t, od::value& a) { ReadAddress(a, &c.addresses.emplace_back()); });
    } else if (key == "updated_at") {
      updated_text = Str(f);
      *updated = TimeText(updated_text);
    }
  });
  if (c.addresses.empty() && default_address) {
    c.addresses.push_back(std::move(*default_address));
  }
  ctx.SetLineage(*source_id, updated_text, &c.lineage);
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

std::string_view TenderStatus(std::string_view kind, std::string_view status) {
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

// One transaction (order or refund). `kind_out` receives Shopify's kind (a
// view of the document).
template <typename TenderT>
TenderT ReadTransaction(od::value& v, Currency shop, std::string_view* kind_out) {
  TenderT t;
  MoneyText amount;
  std::string_view kind, status, currency;
  ForEachField(v, [&](Key key, od::value& f) {
    if (key == "id") {
      t.tender_id = IdText(f);
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
            t.gift_card_id = IdText(rf);
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
  *kind_out = kind;
  return t;
}

struct OrderTotals {
  MoneyText total, subtotal, tax, discounts, shipping;
};

// Whether CheckOrderAmounts passes, computed on the minor units without
// building its error path (the path scopes, Results): false when anything
// is off (a mismatch, an overflow, another currency), for CheckOrderAmounts
// to say what.
template <typename OrderT>
bool OrderAmountsAddUp(const OrderT& o, bool any_allocation) {
  const Currency c = o.currency;
  bool ok = true;
  const auto add = [&](std::int64_t* sum, const Money& m) {
    ok = ok && m.currency() == c && !__builtin_add_overflow(*sum, m.minor_units(), sum);
  };
  std::int64_t lines = 0;
  std::int64_t allocated = 0;
  for (const auto& line : o.lines) {
    std::int64_t amount = 0;
    ok = ok && line.unit_price.currency() == c &&
         !__builtin_mul_overflow(line.unit_price.minor_units(), line.quantity, &amount) &&
         !__builtin_add_overflow(lines, amount, &lines);
    for (const auto& d : line.discounts) {
      add(&allocated, d.amount);
    }
  }
  std::int64_t shipping = 0;
  for (const auto& s : o.shipping) {
    add(&shipping, s.price);
    for (const auto& d : s.discounts) {
      add(&allocated, d.amount);
    }
  }
  std::int64_t discounts = allocated;
  if (!any_allocation) {
    discounts = 0;
    add(&discounts, o.total_discounts);
  }
  std::int64_t expected = 0;
  ok = ok && !__builtin_sub_overflow(lines, discounts, &expected);
  add(&expected, Money(shipping, c));
  if (!o.taxes_included) {
    add(&expected, o.total_tax);
  }
  return ok && Money(expected, c) == o.total;
}

// Σ(price × qty) − discounts + shipping + tax(unless included) == total.
template <typename OrderT>
void CheckOrderAmounts(const OrderT& o, bool any_allocation, std::string_view source_id) {
  if (OrderAmountsAddUp(o, any_allocation)) {
    return;
  }
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

// The storage of the order being read (an Order or an OrderView). The wire
// form keeps one per thread, emptied between deliveries without giving its
// memory back (Recycle): its vectors keep their capacity, so that reading an
// order allocates nothing once the thread has seen one as large.
template <typename OrderT>
struct OrderScratch {
  using Text = decltype(OrderT::order_id);  // std::string or std::string_view
  using CustomerT = typename decltype(OrderT::customer)::value_type;
  OrderT order;
  CustomerT customer;  // the storage of order.customer while the order has none
  Text source_id;
  std::string order_key;  // the text of order.order_id
};

// Whether `text` contains `lower` (lower case) ignoring ASCII case.
bool ContainsIgnoringCase(std::string_view text, std::string_view lower) {
  const auto fold = [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  };
  for (std::size_t i = 0; i + lower.size() <= text.size(); ++i) {
    std::size_t j = 0;
    while (j < lower.size() && fold(text[i + j]) == lower[j]) {
      ++j;
    }
    if (j == lower.size()) {
      return true;
    }
  }
  return false;
}

// Every field back to its default by assignment from a fresh value, so that a
// field added to the model is covered; the vectors are moved aside, emptied
// and put back, keeping their capacity (shopify_test pins that nothing of one
// order shows in the next).
template <typename T>
void EmptyInto(std::vector<T>& from, std::vector<T>* to) {
  from.clear();
  *to = std::move(from);
}

template <typename CustomerT>
void RecycleCustomer(CustomerT& c) {
  auto emails = std::move(c.emails);
  auto phones = std::move(c.phones);
  auto addresses = std::move(c.addresses);
  c = CustomerT{};
  EmptyInto(emails, &c.emails);
  EmptyInto(phones, &c.phones);
  EmptyInto(addresses, &c.addresses);
}

template <typename OrderT>
void Recycle(OrderScratch<OrderT>& s) {
  OrderT& o = s.order;
  if (o.customer) {
    s.customer = std::move(*o.customer);
    o.customer.reset();
  }
  auto lines = std::move(o.lines);
  auto shipping = std::move(o.shipping);
  auto order_discounts = std::move(o.order_discounts);
  auto tenders = std::move(o.tenders);
  o = OrderT{};
  EmptyInto(lines, &o.lines);
  EmptyInto(shipping, &o.shipping);
  EmptyInto(order_discounts, &o.order_discounts);
  EmptyInto(tenders, &o.tenders);
  s.source_id = std::string_view();
}

// Thrown to end ReadOrderPass's one pass for a second one (see ReadOrder).
struct ReadWithCurrencyFirst {};

// Reads the order into scratch.order (recycled first) and its source id into
// scratch.source_id. With `peek`, the currency is found first (PeekTopLevel)
// and the document read from its start again. Without, in one pass, which
// ends with ReadWithCurrencyFirst when a member that needs the currency
// comes before a plain, valid "currency", or when there is none.
template <typename OrderT>
void ReadOrderPass(od::document& doc, const Ctx& ctx, OrderScratch<OrderT>& scratch, bool peek) {
  using TenderT = typename decltype(OrderT::tenders)::value_type;
  Recycle(scratch);
  OrderT& o = scratch.order;
  auto* const source_id = &scratch.source_id;
  if (peek) {
    auto currency_text = PeekTopLevel(doc, "currency");
    if (!currency_text) {
      Throw(ErrorCode::kInvalidArgument, "order currency is missing", "currency");
    }
    o.currency = ParseCurrency(*currency_text, "currency");
  }
  const Currency& shop = o.currency;  // valid once known
  const auto need_currency = [&] {
    if (!shop.valid()) {
      throw ReadWithCurrencyFirst{};
    }
  };
  OrderTotals totals;
  std::vector<std::int64_t> line_apps, ship_apps;
  std::vector<std::string_view> app_names;  // views of the document
  std::string_view updated_text;
  std::string_view source_name;
  bool cancelled = false;
  bool any_allocation = false;
  ForEachField(doc.get_object().value(), [&](Key key, od::value& f) {
    if (key == "id") {
      *source_id = IdText(f);
    } else if (key == "name") {
      o.order_number = Str(f);
    } else if (key == "source_name") {
      source_name = Str(f);
    } else if (key == "location_id") {
      o.location_id = IdText(f);
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
    } else if (key == "currency") {
      if (!shop.valid()) {  // the one pass; the first "currency" is the one peeked
        const std::optional<std::string_view> code = PlainString(f);
        const std::optional<Currency> c = code ? CurrencyOf(*code) : std::nullopt;
        if (!c) {
          throw ReadWithCurrencyFirst{};  // PeekTopLevel and ParseCurrency say what is wrong
        }
        o.currency = *c;
      }
    } else if (key == "customer") {
      if (!IsNull(f)) {
        Instant ignored;
        if (!o.customer) {
          o.customer.emplace(std::move(scratch.customer));
        }
        RecycleCustomer(*o.customer);  // the spare's leftovers, or a repeated key's customer
        ReadCustomer(f, ctx, &o.customer_source_id, &ignored, &*o.customer);
      }
    } else if (key == "line_items") {
      need_currency();
      ForEachElement(f, [&](std::int64_t, od::value& li) {
        auto& line = o.lines.emplace_back();  // filled in place
        MoneyText price;
        std::vector<std::int64_t> apps;
        ForEachField(li, [&](Key k, od::value& lf) {
          if (k == "id") {
            line.line_id = IdText(lf);
          } else if (k == "sku") {
            line.sku = Str(lf);
          } else if (k == "title") {
            line.title = Str(lf);
          } else if (k == "quantity") {
            line.quantity = Int(lf);
          } else if (k == "gift_card") {
            line.gift_card = Bool(lf);
          } else if (k == "discount_allocations") {
            ReadAllocations(lf, shop, &apps, &line.discounts);
          } else if (k == "tax_lines") {
            ReadTaxLines(lf, shop, &line.taxes);
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
      });
    } else if (key == "shipping_lines") {
      need_currency();
      ForEachElement(f, [&](std::int64_t, od::value& sl) {
        auto& line = o.shipping.emplace_back();  // filled in place
        MoneyText price;
        ForEachField(sl, [&](Key k, od::value& sf) {
          if (k == "title") {
            line.title = Str(sf);
          } else if (k == "discount_allocations") {
            ReadAllocations(sf, shop, &ship_apps, &line.discounts);
          } else if (k == "tax_lines") {
            ReadTaxLines(sf, shop, &line.taxes);
          } else {
            ReadMoneyField(k, "price", sf, &price);
          }
        });
        line.price = Resolve(price, shop, "price");
        any_allocation = any_allocation || !line.discounts.empty();
      });
    } else if (key == "discount_applications") {
      ForEachElement(f, [&](std::int64_t, od::value& da) {
        std::string_view code, title;
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
      need_currency();
      ForEachElement(f, [&](std::int64_t, od::value& dc) {
        typename decltype(o.order_discounts)::value_type d;
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
      need_currency();
      ForEachElement(f, [&](std::int64_t, od::value& t) {
        std::string_view kind;
        TenderT tender = ReadTransaction<TenderT>(t, shop, &kind);
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
  need_currency();
  if (source_id->empty()) {
    Throw(ErrorCode::kInvalidArgument, "order id is missing", "id");
  }
  // Name each allocation after its discount application.
  auto name_of = [&](std::int64_t idx) -> std::string_view {
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
    if (ContainsIgnoringCase(s.title, "pickup") || ContainsIgnoringCase(s.title, "pick up")) {
      o.fulfillment_method = FulfillmentMethod::kPickup;
    }
  }
  if (cancelled) {
    o.status = "cancelled";
  }
  ctx.SetOrderKey(*source_id, &scratch.order_key);
  o.order_id = scratch.order_key;
  ctx.SetLineage(*source_id, updated_text, &o.lineage);
  CheckOrderAmounts(o, any_allocation, *source_id);
}

// What reading the currency first, then the order from its start, gives (as
// translators do whose payloads may list it anywhere), in one pass when
// "currency" comes first, as Shopify sends it. Otherwise, and whenever the
// one pass fails before it knows the currency, the order is read again that
// way, which decides the outcome, errors included: before the currency the
// one pass reads nothing that depends on it, and after, it reads exactly
// what the second pass would.
template <typename OrderT>
void ReadOrder(od::document& doc, const Ctx& ctx, OrderScratch<OrderT>& scratch) {
  try {
    ReadOrderPass(doc, ctx, scratch, false);
    return;
  } catch (const ReadWithCurrencyFirst&) {  // NOLINT(bugprone-empty-catch): read again below
  } catch (const TranslateError&) {
    if (scratch.order.currency.valid()) {
      throw;
    }
  } catch (const simdjson::simdjson_error&) {
    if (scratch.order.currency.valid()) {
      throw;
    }
  }
  Reiterate(doc);
  ReadOrderPass(doc, ctx, scratch, true);
}

void TranslateOrder(od::document& doc, Ctx& ctx, std::string_view type) {
  const auto occurred_at = [](const auto& o) {
    return o.updated_at.micros != 0 ? o.updated_at : o.placed_at;
  };
  if (ctx.out.form() == EventOut::Form::kJson) {
    // The wire form: an OrderView of the document, in per-thread storage
    // that keeps its capacity. No text is copied before the writer's.
    thread_local OrderScratch<OrderView> scratch;
    ReadOrder(doc, ctx, scratch);
    const OrderView& o = scratch.order;
    ctx.out.EmitJson(type, o.order_id, scratch.source_id, occurred_at(o), o);
    return;
  }
  OrderScratch<Order> scratch;
  ReadOrder(doc, ctx, scratch);
  const Order& o = scratch.order;
  ctx.out.EmitEvent(type, o.order_id, scratch.source_id, occurred_at(o), o);
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
  std::string_view kind;
  od::value root = doc.get_value().value();
  Tender t = ReadTransaction<Tender>(root, c, &kind);
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
        std::string_view kind;
        // Refund transactions carry their own currency.
        Tender tender = ReadTransaction<Tender>(t, Currency(), &kind);
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
  Customer c;
  ReadCustomer(root, ctx, &source_id, &updated, &c);
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

// ShopifyConnector::Topic and DedupKey as views of the delivery, or of
// `computed` for a key computed from the body.
Result<std::string_view> TopicOf(const Delivery& delivery) {
  if (!delivery.topic.empty()) {
    return std::string_view(delivery.topic);
  }
  for (std::string_view h : {"X-Shopify-Topic", "Shopify-Topic"}) {
    if (auto v = delivery.Header(h); v && !v->empty()) {
      return *v;
    }
  }
  return Fail(ErrorCode::kInvalidArgument, "missing X-Shopify-Topic header", "headers");
}

Result<std::string_view> DedupKeyOf(const Delivery& delivery, std::string* computed) {
  for (std::string_view h :
       {"X-Shopify-Event-Id", "Shopify-Event-Id", "X-Shopify-Webhook-Id", "Shopify-Webhook-Id"}) {
    if (auto v = delivery.Header(h); v && !v->empty()) {
      return *v;
    }
  }
  if (!delivery.topic.empty()) {
    *computed = "sha256:" + Sha256Hex(delivery.body);
    return std::string_view(*computed);
  }
  return Fail(ErrorCode::kInvalidArgument,
              "missing X-Shopify-Event-Id and X-Shopify-Webhook-Id headers", "headers");
}

// Translate and TranslateToJson: one mapping, two output forms.
Result<EventOut> Run(const Delivery& delivery, EventOut::Form form) {
  HUB_TRY(const std::string_view topic, TopicOf(delivery));
  std::string computed_dedup;
  HUB_TRY(const std::string_view dedup, DedupKeyOf(delivery, &computed_dedup));
  std::string_view account = delivery.account;
  if (account.empty()) {
    account = delivery.Header("X-Shopify-Shop-Domain").value_or("");
  }
  const TopicFn fn = FindTopic(topic);
  if (fn == nullptr) {
    return Fail(ErrorCode::kUnmapped,
                "Shopify topic \"" + std::string(topic) + "\" is not translated", "topic");
  }
  Ctx ctx{account, delivery.Header("X-Shopify-Triggered-At").value_or(""),
          EventOut(MakeEventIds(kSystem, account, dedup), form)};
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
  std::string computed;
  HUB_TRY(const std::string_view key, DedupKeyOf(delivery, &computed));
  return std::string(key);
}

Result<std::string> ShopifyConnector::Topic(const Delivery& delivery) const {
  HUB_TRY(const std::string_view topic, TopicOf(delivery));
  return std::string(topic);
}

Result<std::vector<Event>> ShopifyConnector::Translate(const Delivery& delivery) const {
  HUB_TRY(EventOut out, Run(delivery, EventOut::Form::kEvents));
  return out.TakeEvents();
}

Result<std::vector<std::string>> ShopifyConnector::TranslateToJson(const Delivery& delivery) const {
  HUB_TRY(EventOut out, Run(delivery, EventOut::Form::kJson));
  return out.TakeJson();
}

}  // namespace hub

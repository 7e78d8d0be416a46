#include "connectors/adyen/adyen.h"

#include <fmt/format.h>

#include "connectors/json_internal.h"
#include "core/model_json.h"

namespace hub {
namespace {

using namespace connectors_internal;  // NOLINT(google-build-using-namespace): private helpers

constexpr std::string_view kSystem = "adyen";

struct Item {
  std::string psp, original, merchant_account, merchant_reference, value, currency, event_code,
      success, signature, reason, payment_method;
  Instant event_date;
};

std::vector<Item> ReadItems(od::document& doc) {
  std::vector<Item> items;
  ForEachField(doc.get_object().value(), [&](std::string_view k, od::value& f) {
    if (k != "notificationItems") {
      return;
    }
    ForEachElement(f, [&](std::int64_t, od::value& wrapper) {
      ForEachField(wrapper, [&](std::string_view wk, od::value& v) {
        if (wk != "NotificationRequestItem") {
          return;
        }
        Item it;
        ForEachField(v, [&](std::string_view ik, od::value& iv) {
          if (ik == "pspReference") {
            it.psp = Id(iv);
          } else if (ik == "originalReference") {
            it.original = Id(iv);
          } else if (ik == "merchantAccountCode") {
            it.merchant_account = Id(iv);
          } else if (ik == "merchantReference") {
            it.merchant_reference = Id(iv);
          } else if (ik == "eventCode") {
            it.event_code = Id(iv);
          } else if (ik == "success") {
            // "true"/"false" as a string in the JSON form; tolerate a boolean.
            it.success = iv.type().value() == od::json_type::boolean ? (Bool(iv) ? "true" : "false")
                                                                     : std::string(Str(iv));
          } else if (ik == "reason") {
            it.reason = std::string(Str(iv));
          } else if (ik == "paymentMethod") {
            it.payment_method = std::string(Str(iv));
          } else if (ik == "eventDate") {
            it.event_date = Time(iv).value_or(Instant{});
          } else if (ik == "amount" && !IsNull(iv)) {
            ForEachField(iv, [&](std::string_view ak, od::value& av) {
              if (ak == "value") {
                it.value = Id(av);
              } else if (ak == "currency") {
                it.currency = std::string(Str(av));
              }
            });
          } else if (ik == "additionalData" && !IsNull(iv)) {
            ForEachField(iv, [&](std::string_view ak, od::value& av) {
              if (ak == "hmacSignature") {
                it.signature = std::string(Str(av));
              }
            });
          }
        });
        items.push_back(std::move(it));
      });
    });
  });
  if (items.empty()) {
    Throw(ErrorCode::kInvalidArgument, "no notificationItems", "notificationItems");
  }
  return items;
}

Result<std::vector<Item>> ParseItems(std::string_view body) {
  std::vector<Item> items;
  auto r = RunTranslator(body, [&](od::document& doc) {
    items = ReadItems(doc);
    return std::vector<Event>{};
  });
  if (!r) {
    return Fail(r.error());
  }
  return items;
}

// Adyen's minor-unit exponent where it departs from ISO 4217.
Money AdyenMoney(const Item& it, std::size_t index) {
  PathScope a("notificationItems");
  PathScope b(static_cast<std::int64_t>(index));
  PathScope c("NotificationRequestItem.amount");
  const Currency cur = ParseCurrency(it.currency, "currency");
  int adyen_exp = cur.exponent();
  if (cur.code() == "CLP" || cur.code() == "ISK") {
    adyen_exp = 2;
  } else if (cur.code() == "CVE" || cur.code() == "IDR") {
    adyen_exp = 0;
  }
  if (it.value.empty()) {
    Throw(ErrorCode::kInvalidArgument, "amount is missing", "value");
  }
  // value is the digit string checked by Id(); reuse Money's exact parser.
  std::string decimal = it.value;
  if (adyen_exp > 0) {
    while (decimal.size() <= static_cast<std::size_t>(adyen_exp)) {
      decimal.insert(decimal.begin(), '0');
    }
    decimal.insert(decimal.end() - adyen_exp, '.');
  }
  return ParseMoney(decimal, cur, "value");
}

std::string SignedString(const Item& it) {
  return fmt::format("{}:{}:{}:{}:{}:{}:{}:{}", it.psp, it.original, it.merchant_account,
                     it.merchant_reference, it.value, it.currency, it.event_code, it.success);
}

}  // namespace

Status AdyenConnector::Verify(const Delivery& delivery, const Secrets& secrets,
                              const Clock& /*clock*/) const {
  auto items = ParseItems(delivery.body);
  if (!items) {
    return Fail(ErrorCode::kUnauthenticated,
                "cannot read the signed fields: " + items.error().message, items.error().field);
  }
  if (secrets.active.empty()) {
    return Fail(ErrorCode::kUnauthenticated, "no active Adyen HMAC key configured");
  }
  std::vector<std::string> keys;
  for (const auto& hex : secrets.active) {
    auto key = HexDecode(hex);
    if (!key) {
      return Fail(ErrorCode::kUnauthenticated, "an active Adyen HMAC key is not hex");
    }
    keys.push_back(std::move(*key));
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    const Item& it = (*items)[i];
    const std::string field = fmt::format(
        "notificationItems[{}].NotificationRequestItem.additionalData.hmacSignature", i);
    if (it.signature.empty()) {
      return Fail(ErrorCode::kUnauthenticated, "missing hmacSignature", field);
    }
    const std::string message = SignedString(it);
    bool match = false;
    for (const auto& key : keys) {
      match = ConstantTimeEquals(Base64Encode(HmacSha256(key, message)), it.signature) || match;
    }
    if (!match) {
      return Fail(ErrorCode::kUnauthenticated, "hmacSignature does not match under any active key",
                  field);
    }
  }
  return Ok();
}

Result<std::string> AdyenConnector::DedupKey(const Delivery& delivery) const {
  HUB_TRY(auto items, ParseItems(delivery.body));
  std::string key;
  for (const auto& it : items) {
    if (!key.empty()) {
      key += '|';
    }
    key += fmt::format("{}:{}:{}", it.psp, it.event_code, it.success);
  }
  return key;
}

Result<std::string> AdyenConnector::Topic(const Delivery& delivery) const {
  if (!delivery.topic.empty()) {
    return delivery.topic;
  }
  HUB_TRY(auto items, ParseItems(delivery.body));
  return items.front().event_code;
}

Result<std::vector<Event>> AdyenConnector::Translate(const Delivery& delivery) const {
  HUB_TRY(auto items, ParseItems(delivery.body));
  std::string dedup;
  for (const auto& it : items) {
    dedup +=
        (dedup.empty() ? "" : "|") + fmt::format("{}:{}:{}", it.psp, it.event_code, it.success);
  }
  std::vector<Event> events;
  try {
    for (std::size_t i = 0; i < items.size(); ++i) {
      const Item& it = items[i];
      const std::string account = delivery.account.empty() ? it.merchant_account : delivery.account;
      const EventIds ids = MakeEventIds(kSystem, account, dedup);
      const bool ok = it.success == "true";
      // Modifications point at the payment through originalReference.
      const std::string payment = it.original.empty() ? it.psp : it.original;
      const std::string key = fmt::format("adyen:{}:{}", account, payment);
      Lineage lineage;
      lineage.source_system = std::string(kSystem);
      lineage.source_account = account;
      lineage.source_id = it.psp;
      lineage.source_version = FormatRfc3339(it.event_date);
      lineage.correlation_id = ids.correlation_id;
      const std::string& code = it.event_code;
      if (code == "AUTHORISATION" || code == "CAPTURE" || code == "CANCELLATION") {
        if (!ok) {
          continue;  // a refused authorisation or failed capture moves no money
        }
        Tender t;
        t.tender_id = payment;
        t.kind = TenderKind::kCard;
        t.gateway = "adyen";
        t.gateway_reference = it.psp;
        t.amount = AdyenMoney(it, i);
        t.status = code == "CAPTURE"        ? "captured"
                   : code == "CANCELLATION" ? "voided"
                                            : "authorized";
        t.occurred_at = it.event_date;
        const std::string type = code == "CAPTURE"        ? "tender.captured"
                                 : code == "CANCELLATION" ? "tender.voided"
                                                          : "tender.authorized";
        events.push_back(
            MakeEvent(ids, i, type, key, it.psp, it.event_date, ToJson(t, EventStorage())));
      } else if (code == "REFUND" || code == "CANCEL_OR_REFUND") {
        Refund r;
        r.refund_id = it.psp;
        r.order_id = key;
        r.amount = AdyenMoney(it, i);
        r.shipping_refunded = Money::Zero(r.amount.currency());
        r.tax_refunded = Money::Zero(r.amount.currency());
        Tender t;
        t.tender_id = payment;
        t.gateway = "adyen";
        t.gateway_reference = it.psp;
        t.amount = r.amount;
        t.status = "refunded";
        t.occurred_at = it.event_date;
        r.tenders.push_back(std::move(t));
        r.reason = it.reason;
        r.occurred_at = it.event_date;
        r.lineage = lineage;
        events.push_back(MakeEvent(ids, i, ok ? "refund.created" : "refund.failed", key, it.psp,
                                   it.event_date, ToJson(r, EventStorage())));
      } else if (code == "CHARGEBACK" || code == "SECOND_CHARGEBACK" ||
                 code == "NOTIFICATION_OF_CHARGEBACK" || code == "CHARGEBACK_REVERSED" ||
                 code == "PREARBITRATION_WON" || code == "PREARBITRATION_LOST") {
        Dispute d;
        d.dispute_id = it.psp;
        d.gateway = "adyen";
        d.charge_reference = payment;
        d.order_id = key;
        d.amount = AdyenMoney(it, i);
        d.fee = Money::Zero(d.amount.currency());
        d.reason = it.reason;
        const bool closed = code == "CHARGEBACK_REVERSED" || code == "PREARBITRATION_WON" ||
                            code == "PREARBITRATION_LOST";
        d.status = code == "CHARGEBACK_REVERSED" || code == "PREARBITRATION_WON" ? "won"
                   : code == "PREARBITRATION_LOST"                               ? "lost"
                   : code == "NOTIFICATION_OF_CHARGEBACK"                        ? "needs_response"
                                                                                 : "lost";
        d.occurred_at = it.event_date;
        d.lineage = lineage;
        events.push_back(MakeEvent(ids, i, closed ? "dispute.closed" : "dispute.created", key,
                                   it.psp, it.event_date, ToJson(d, EventStorage())));
      }
      // Other event codes (REPORT_AVAILABLE, …) are acknowledged, not translated.
    }
  } catch (const TranslateError& e) {
    return Fail(e.error);
  }
  return events;
}

}  // namespace hub

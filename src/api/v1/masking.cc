// PII masking (see masking.h).
#include "api/v1/masking.h"

#include <boost/json.hpp>

#include <string_view>

#include "obs/log.h"

namespace hub::api::v1 {
namespace {

enum class Kind { kNone, kEmail, kPhone, kOther };

Kind KindOf(std::string_view key) {
  if (key == "email" || key == "emails") {
    return Kind::kEmail;
  }
  if (key == "phone" || key == "phones") {
    return Kind::kPhone;
  }
  if (key == "address" || key == "addresses" || key == "address1" || key == "address2" ||
      key == "address_line1" || key == "address_line2" || key == "line1" || key == "line2" ||
      key == "street" || key == "birth_date") {
    return Kind::kOther;
  }
  return Kind::kNone;
}

std::string MaskString(Kind kind, std::string_view s) {
  switch (kind) {
    case Kind::kEmail:
      return obs::MaskEmail(s);
    case Kind::kPhone:
      return obs::MaskPhone(s);
    default:
      return "***";
  }
}

int Walk(boost::json::value& v, bool mask);

// A value under a PII key: strings are PII; containers hold PII (or, for
// objects such as lineage {"value","source"}, PII under "value"/"values").
int MaskValue(Kind kind, boost::json::value& v, bool mask) {
  if (v.is_string()) {
    if (mask) {
      v = MaskString(kind, v.get_string());
    }
    return 1;
  }
  int n = 0;
  if (v.is_array()) {
    for (auto& e : v.get_array()) {
      n += MaskValue(kind, e, mask);
    }
    return n;
  }
  if (v.is_object()) {
    for (auto& kv : v.get_object()) {
      const Kind inner = KindOf(kv.key());
      if (inner != Kind::kNone) {
        n += MaskValue(inner, kv.value(), mask);
      } else if (kv.key() == "value" || kv.key() == "values" || kind == Kind::kOther) {
        // An address object: every line is PII, whatever its name.
        n += MaskValue(kind, kv.value(), mask);
      } else {
        n += Walk(kv.value(), mask);
      }
    }
  }
  return n;
}

int Walk(boost::json::value& v, bool mask) {
  int n = 0;
  if (v.is_array()) {
    for (auto& e : v.get_array()) {
      n += Walk(e, mask);
    }
  } else if (v.is_object()) {
    for (auto& kv : v.get_object()) {
      const Kind kind = KindOf(kv.key());
      n += kind == Kind::kNone ? Walk(kv.value(), mask) : MaskValue(kind, kv.value(), mask);
    }
  }
  return n;
}

}  // namespace

int MaskPii(boost::json::value& doc, bool mask) { return Walk(doc, mask); }

}  // namespace hub::api::v1

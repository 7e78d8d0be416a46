// PII masking for API v1 responses: every "email"/"emails", "phone"/"phones",
// address line ("address", "addresses", "address1", "address2", "line1",
// "line2", "street") and "birth_date" field, at any depth, whatever its shape
// (string, array of strings, or an object holding "value"/"values").
// Not here: who sees what (routes.cc decides from the role). Stateless; thread-safe.
#pragma once

#include <boost/json/value.hpp>

namespace hub::api::v1 {

// Masks PII fields in place when `mask`; counts them either way (a steward's
// read of a document with count > 0 is audited). Emails keep the first
// character and the domain, phones the country code and last four digits,
// address lines and birth dates become "***".
int MaskPii(boost::json::value& doc, bool mask);

}  // namespace hub::api::v1

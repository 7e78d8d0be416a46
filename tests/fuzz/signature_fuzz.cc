// Fuzzes the header parsers and comparisons of every Verify: the input is
// split into a header value and a body. A random input must never verify
// (the secrets are not derivable from it) and must never crash.
#include <cstdlib>

#include "connectors/adyen/adyen.h"
#include "connectors/shopify/shopify.h"
#include "connectors/square/square.h"
#include "connectors/stripe/stripe.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const hub::ShopifyConnector kShopify;
  static const hub::StripeConnector kStripe;
  static const hub::SquareConnector kSquare;
  static const hub::FakeClock kClock(hub::Instant::FromSeconds(1'772'359'200));
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t cut = input.find('\n');
  const std::string header(input.substr(0, cut));
  const std::string body(cut == std::string_view::npos ? std::string_view{}
                                                       : input.substr(cut + 1));
  const hub::Secrets secrets{{"fuzz-secret-1", "fuzz-secret-2"}};
  hub::Delivery d;
  d.body = body;
  d.url = "https://hub.example.com/webhooks/square";
  d.headers = {{"X-Shopify-Hmac-Sha256", header},
               {"Stripe-Signature", header},
               {"x-square-hmacsha256-signature", header}};
  if (kShopify.Verify(d, secrets, kClock).has_value() ||
      kStripe.Verify(d, secrets, kClock).has_value() ||
      kSquare.Verify(d, secrets, kClock).has_value()) {
    std::abort();
  }
  return 0;
}

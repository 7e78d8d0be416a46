// docs/openapi.yaml, the embedded copy served at /v1/openapi.json and the
// router must agree: every documented (method, path) is routed and every
// route is documented, with the roles of the permission table.
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <filesystem>
#include <set>
#include <sstream>

#include "api/v1/fake_read_model.h"
#include "api/v1/routes.h"
#include "testing/testing.h"

namespace hub::api::v1 {
namespace {

namespace json = boost::json;

// The YAML file is JSON after its leading comment lines.
json::value YamlDoc() {
  const auto path = std::filesystem::path(__FILE__).parent_path() / "../../../docs/openapi.yaml";
  std::istringstream in(hub::testing::ReadFile(path));
  std::string line, text;
  while (std::getline(in, line)) {
    if (!line.starts_with("#")) {
      text += line + "\n";
    }
  }
  return json::parse(text);
}

std::string Upper(std::string s) {
  for (char& ch : s) {
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return s;
}

TEST(OpenApiTest, EmbeddedCopyEqualsDocsFile) {
  EXPECT_EQ(json::parse(OpenApiJson()), YamlDoc())
      << "docs/openapi.yaml and src/api/v1/openapi_json.cc differ: update both";
  EXPECT_EQ(YamlDoc().as_object().at("openapi"), "3.1.0");
}

TEST(OpenApiTest, DocumentedRoutesEqualRouterRoutesBothWays) {
  hub::testing::TempDir dir;
  auto st = store::OpenSqliteStore({.path = (dir.path() / "hub.db").string()}).value();
  Auth auth(*st, SystemClock::Get());
  fake::FakeReadModel model;
  Router router;
  RegisterV1Routes(router, model, auth, {});
  std::set<std::pair<std::string, std::string>> routed, documented;
  for (const auto& r : router.Routes()) {
    routed.insert(r);
  }
  std::map<std::string, Access> access;
  for (const auto& r : V1Routes()) {
    access[r.method + " " + r.pattern] = r.access;
  }
  const json::value doc = YamlDoc();  // named: a temporary would die before the loop
  for (const auto& [path, ops] : doc.as_object().at("paths").as_object()) {
    for (const auto& [method, op] : ops.as_object()) {
      const std::string m = Upper(std::string(method));
      documented.insert({m, std::string(path)});
      // x-roles lists exactly the roles the permission table allows.
      std::set<std::string> roles;
      for (const auto& role : op.as_object().at("x-roles").as_array()) {
        roles.insert(std::string(role.as_string()));
      }
      const std::string name = m + " " + std::string(path);
      ASSERT_TRUE(access.count(name)) << name;
      for (Role r : {Role::kAdmin, Role::kFinance, Role::kSteward, Role::kViewer, Role::kIngest}) {
        EXPECT_EQ(roles.count(std::string(RoleName(r))) == 1, Allows(access[name], r))
            << name << " " << RoleName(r);
      }
    }
  }
  for (const auto& r : routed) {
    EXPECT_TRUE(documented.count(r)) << "undocumented route " << r.first << " " << r.second;
  }
  for (const auto& d : documented) {
    EXPECT_TRUE(routed.count(d)) << "documented but not routed " << d.first << " " << d.second;
  }
}

}  // namespace
}  // namespace hub::api::v1

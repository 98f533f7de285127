#include "configcenter/config_value.h"

#include <gtest/gtest.h>

namespace aio::configcenter {
namespace {

TEST(ConfigValueTest, TypesRoundTripByName) {
  for (std::string_view name : {"string", "int", "float", "bool", "json", "encrypted"}) {
    absl::StatusOr<ValueType> type = ParseValueType(name);
    ASSERT_TRUE(type.ok()) << name;
    EXPECT_EQ(ValueTypeName(*type), name);
  }
  EXPECT_EQ(ParseValueType("number").status().message(),
            "value type \"number\" is not one of string, int, float, bool, json, encrypted");
}

TEST(ConfigValueTest, IntegersMustBeWholeBase10) {
  EXPECT_TRUE(ValidateValue("k", ValueType::kInt, "-9223372036854775808").ok());
  EXPECT_TRUE(ValidateValue("k", ValueType::kInt, "42").ok());
  for (std::string_view bad : {"", "12x", " 1", "+1", "0x10", "1.0", "9223372036854775808"}) {
    EXPECT_EQ(ValidateValue("k", ValueType::kInt, bad).code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(ValidateValue("port", ValueType::kInt, "12x").message(),
            "config \"port\": value \"12x\" is not an int (base-10 64-bit integer)");
}

TEST(ConfigValueTest, FloatsMustBeFinite) {
  EXPECT_TRUE(ValidateValue("k", ValueType::kFloat, "3.5").ok());
  EXPECT_TRUE(ValidateValue("k", ValueType::kFloat, "-1e-3").ok());
  for (std::string_view bad : {"", "nan", "inf", "1e999", "1.5.2", "abc"}) {
    EXPECT_FALSE(ValidateValue("k", ValueType::kFloat, bad).ok()) << bad;
  }
}

TEST(ConfigValueTest, BoolsAreTrueOrFalse) {
  EXPECT_TRUE(ValidateValue("k", ValueType::kBool, "true").ok());
  EXPECT_TRUE(ValidateValue("k", ValueType::kBool, "false").ok());
  EXPECT_EQ(ValidateValue("k", ValueType::kBool, "yes").message(),
            "config \"k\": value \"yes\" is not a bool (true or false)");
}

TEST(ConfigValueTest, JsonMustBeAnObjectOrArray) {
  EXPECT_TRUE(ValidateValue("k", ValueType::kJson, R"({"a":[1,2]})").ok());
  EXPECT_TRUE(ValidateValue("k", ValueType::kJson, "[]").ok());
  absl::Status broken = ValidateValue("k", ValueType::kJson, R"({"a":)");
  EXPECT_EQ(broken.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::string(broken.message()).starts_with("config \"k\": invalid JSON value: "))
      << broken;
  EXPECT_EQ(ValidateValue("k", ValueType::kJson, "12").message(),
            "config \"k\": a json value must be an object or an array, not a number");
}

TEST(ConfigValueTest, KeysAndEnvironments) {
  EXPECT_TRUE(ValidateKey("app.db-url_1:x").ok());
  EXPECT_EQ(ValidateKey("").message(), "config key is empty");
  EXPECT_EQ(ValidateKey("a/b").message(),
            "config key \"a/b\" has a character other than letters, digits and . _ - :");
  EXPECT_FALSE(ValidateKey(std::string(257, 'a')).ok());
  EXPECT_TRUE(ValidateEnv("staging").ok());
  EXPECT_EQ(ValidateEnv("qa").message(),
            "environment \"qa\" is not one of default, dev, test, staging, prod");
}

}  // namespace
}  // namespace aio::configcenter

#include "registry/instance.h"

#include "gtest/gtest.h"

namespace aio::registry {
namespace {

ServiceInstance Valid() { return {.name = "user-service", .address = "127.0.0.1:8080"}; }

TEST(ValidateRegistrationTest, FillsSeedDefaults) {
  ServiceInstance instance = Valid();
  ASSERT_TRUE(ValidateRegistration(instance).ok());
  EXPECT_EQ(instance.protocol, "http");
  EXPECT_EQ(instance.weight, 100);
  EXPECT_EQ(instance.status, "active");
}

TEST(ValidateRegistrationTest, RejectsBadInputWithExactTexts) {
  auto error = [](ServiceInstance instance) {
    return std::string(ValidateRegistration(instance).message());
  };
  ServiceInstance i = Valid();
  i.name = "";
  EXPECT_EQ(error(i), "name is required");
  i = Valid();
  i.address = "";
  EXPECT_EQ(error(i), "address is required");
  for (const char* bad :
       {"localhost", "host:", ":80", "host:0", "host:65536", "host:8x", "a:b:1"}) {
    i = Valid();
    i.address = bad;
    EXPECT_EQ(error(i), std::string("address must be host:port, got \"") + bad + "\"");
  }
  i = Valid();
  i.status = "offline";
  EXPECT_EQ(error(i), "status must be one of active, inactive, maintenance, got \"offline\"");
  i = Valid();
  i.weight = -1;
  EXPECT_EQ(error(i), "weight must be between 0 and 10000");
  i = Valid();
  i.name = "a/b";
  EXPECT_EQ(error(i), "name must not contain '/'");
}

TEST(ValidateRegistrationTest, AcceptsIpv6AndNames) {
  for (const char* good : {"[::1]:9000", "svc.internal:1", "10.0.0.1:65535"}) {
    ServiceInstance i = Valid();
    i.address = good;
    EXPECT_TRUE(ValidateRegistration(i).ok()) << good;
  }
}

TEST(InstanceJsonTest, RoundTripsWithSeedFieldNames) {
  ServiceInstance in = Valid();
  in.id = "user-service-1";
  in.protocol = "grpc";
  in.register_time_ms = 1'698'400'800'000;  // 2023-10-27T10:00:00Z
  in.start_time_ms = 1'698'400'800'500;
  in.last_renew_time_ms = 1'698'400'810'000;
  in.metadata = {{"version", "1.0.2"}};
  in.weight = 7;
  in.status = "active";
  nlohmann::json json = ToJson(in);
  EXPECT_EQ(json["register_time"], "2023-10-27T10:00:00Z");
  EXPECT_EQ(json["start_time"], "2023-10-27T10:00:00.5Z");
  EXPECT_FALSE(json.contains("offline_time"));
  EXPECT_EQ(json["metadata"]["version"], "1.0.2");
  absl::StatusOr<ServiceInstance> out = FromJson(json);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, in);

  in.status = "offline";
  in.offline_time_ms = 1'698'400'900'000;
  EXPECT_EQ(*FromJson(ToJson(in)), in);
}

TEST(InstanceJsonTest, WrongTypesAreNamed) {
  EXPECT_EQ(FromJson({{"weight", "x"}}).status().message(), "field \"weight\" must be an integer");
  EXPECT_EQ(FromJson({{"name", 1}}).status().message(), "field \"name\" must be a string");
  EXPECT_EQ(FromJson({{"metadata", {{"a", 1}}}}).status().message(),
            "field \"metadata\" must be an object of strings");
}

TEST(FormatUptimeTest, GoDurationToSeconds) {
  EXPECT_EQ(FormatUptime(0), "0s");
  EXPECT_EQ(FormatUptime((3 * 3600 + 25 * 60 + 10) * 1000 + 999), "3h25m10s");
}

}  // namespace
}  // namespace aio::registry

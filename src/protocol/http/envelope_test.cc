#include "protocol/http/envelope.h"

#include "gtest/gtest.h"

namespace aio::protocol::http {
namespace {

using nlohmann::json;

TEST(EnvelopeTest, SuccessCarriesData) {
  net::HttpResponse response = Success({{"a", 1}});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(json::parse(response.body),
            json({{"code", 20000}, {"msg", "success"}, {"data", {{"a", 1}}}}));
}

TEST(EnvelopeTest, FailureHasStatusTimesHundredAndNullData) {
  net::HttpResponse response = Failure(404, "not found: /x");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(json::parse(response.body),
            json({{"code", 40400}, {"msg", "not found: /x"}, {"data", nullptr}}));
}

TEST(EnvelopeTest, StatusCodesMapOnce) {
  const std::pair<absl::Status, int> cases[] = {
      {absl::InvalidArgumentError("bad"), 400}, {absl::NotFoundError("x"), 404},
      {absl::PermissionDeniedError("x"), 403},  {absl::UnauthenticatedError("x"), 401},
      {absl::AlreadyExistsError("x"), 409},     {absl::FailedPreconditionError("x"), 409},
      {absl::ResourceExhaustedError("x"), 429}, {absl::UnavailableError("x"), 503},
      {absl::UnimplementedError("x"), 501},     {absl::InternalError("x"), 500},
  };
  for (const auto& [status, http_status] : cases) {
    net::HttpResponse response = ToHttpEnvelope(status);
    EXPECT_EQ(response.status, http_status) << status;
    json body = json::parse(response.body);
    EXPECT_EQ(body["code"], http_status * 100);
    EXPECT_EQ(body["msg"], std::string(status.message()));
  }
}

}  // namespace
}  // namespace aio::protocol::http

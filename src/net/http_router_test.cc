#include "net/http_router.h"

#include "gtest/gtest.h"

namespace aio::net {
namespace {

HttpRequest Request(std::string method, std::string path) {
  return HttpRequest{.method = std::move(method), .path = std::move(path)};
}

TEST(HttpRouterTest, DispatchesByMethodAndPath) {
  HttpRouter router;
  router.Add("GET", "/a", [](const HttpRequest&) { return HttpResponse{.body = "get a"}; });
  router.Add("POST", "/a", [](const HttpRequest& r) { return HttpResponse{.body = r.body}; });
  EXPECT_EQ(router.Dispatch(Request("GET", "/a")).body, "get a");
  HttpRequest post = Request("POST", "/a");
  post.body = "posted";
  EXPECT_EQ(router.Dispatch(post).body, "posted");
}

TEST(HttpRouterTest, AsyncRoutesAnswerThroughRespondWithParams) {
  HttpRouter router;
  HttpRespond parked;
  router.AddAsync("GET", "/wait/:id", [&](const HttpRequest& r, HttpRespond respond) {
    parked = [respond, id = std::string(r.Param("id"))](HttpResponse out) {
      out.body = id;
      respond(std::move(out));
    };
  });
  std::string answered;
  router.Dispatch(Request("GET", "/wait/7"), [&](HttpResponse r) { answered = r.body; });
  EXPECT_EQ(answered, "");
  parked(HttpResponse{});
  EXPECT_EQ(answered, "7");
  // The synchronous form cannot wait for a later answer.
  EXPECT_EQ(router.Dispatch(Request("GET", "/wait/8")).status, 500);
}

TEST(HttpRouterTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  HttpRouter router;
  router.Add("GET", "/a", [](const HttpRequest&) { return HttpResponse{}; });
  router.Add("PUT", "/a", [](const HttpRequest&) { return HttpResponse{}; });
  EXPECT_EQ(router.Dispatch(Request("GET", "/b")).status, 404);
  HttpResponse response = router.Dispatch(Request("DELETE", "/a"));
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, PUT");
}

TEST(HttpRouterTest, CustomFallbacks) {
  HttpRouter router;
  router.Add("GET", "/a", [](const HttpRequest&) { return HttpResponse{}; });
  router.SetNotFound(
      [](const HttpRequest& r) { return HttpResponse{.status = 404, .body = r.path}; });
  router.SetMethodNotAllowed(
      [](const HttpRequest&) { return HttpResponse{.status = 405, .body = "no"}; });
  EXPECT_EQ(router.Dispatch(Request("GET", "/zz")).body, "/zz");
  EXPECT_EQ(router.Dispatch(Request("POST", "/a")).body, "no");
}

TEST(HttpRouterTest, PatternSegmentsBecomeParams) {
  HttpRouter router;
  router.Add("GET", "/svc/:id",
             [](const HttpRequest& r) { return HttpResponse{.body = std::string(r.Param("id"))}; });
  router.Add("GET", "/svc/:name/stats", [](const HttpRequest& r) {
    return HttpResponse{.body = "stats " + std::string(r.Param("name"))};
  });
  router.Add("GET", "/svc/all", [](const HttpRequest&) { return HttpResponse{.body = "all"}; });
  EXPECT_EQ(router.Dispatch(Request("GET", "/svc/a-1")).body, "a-1");
  EXPECT_EQ(router.Dispatch(Request("GET", "/svc/b/stats")).body, "stats b");
  EXPECT_EQ(router.Dispatch(Request("GET", "/svc/all")).body, "all");  // literal wins
  EXPECT_EQ(router.Dispatch(Request("GET", "/svc/")).status, 404);     // empty segment
  EXPECT_EQ(router.Dispatch(Request("GET", "/svc/a/b/c")).status, 404);
  HttpResponse response = router.Dispatch(Request("PUT", "/svc/x"));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers.at(0).second, "GET");
}

}  // namespace
}  // namespace aio::net

package dev.protostar.backend.account;

import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tier change takes effect on the next request, whatever access tokens the
 * user still holds: authorisation and the document access of questions come
 * from the user's current tier, not from the token's claim.
 */
class PrivilegeChangeIntegrationTests extends IntegrationTestSupport {

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	@Qualifier("requestMappingHandlerMapping")
	private RequestMappingHandlerMapping mappings;

	@Test
	void aDemotedAdminsOldTokenGets403OnEveryAdminEndpointAtOnce() throws Exception {
		String root = adminAccessToken();
		String rootId = login(ADMIN_EMAIL, ADMIN_PASSWORD).at("/user/id").asString();
		String email = uniqueEmail();
		String userId = signup(email, "Soon demoted").at("/user/id").asString();
		assertThat(setTier(root, userId, "ADMIN").statusCode()).isEqualTo(200);
		String oldToken = login(email, PASSWORD).get("accessToken").asString();
		assertThat(get("/api/admin/documents", oldToken).statusCode()).as("an admin before").isEqualTo(200);

		assertThat(setTier(root, userId, "GUEST").statusCode()).isEqualTo(200);

		List<String> checked = new ArrayList<>();
		for (HttpRequest.Builder request : adminEndpoints()) {
			HttpRequest call = request.header("Authorization", "Bearer " + oldToken).build();
			HttpResponse<String> response = send(call);
			String what = call.method() + " " + call.uri().getPath();
			checked.add(what);
			assertThat(response.statusCode()).as(what + ": " + response.body()).isEqualTo(403);
			assertThat(body(response).at("/resultCode").asString()).as(what).isEqualTo("FORBIDDEN");
		}
		assertThat(checked).as("the admin endpoints found").anyMatch((call) -> call.startsWith("PATCH /api/admin/users/"))
			.anyMatch((call) -> call.startsWith("GET /api/admin/documents"));
		// Neither promoting itself back nor demoting the admin who demoted it.
		assertThat(setTier(oldToken, userId, "ADMIN").statusCode()).isEqualTo(403);
		assertThat(setTier(oldToken, rootId, "GUEST").statusCode()).isEqualTo(403);
		assertThat(tierOf(userId)).isEqualTo("GUEST");
		assertThat(tierOf(rootId)).isEqualTo("ADMIN");
		// Still signed in, as a guest.
		assertThat(get("/api/me", oldToken).statusCode()).isEqualTo(200);
	}

	@Test
	void aDemotedUsersNextQuestionIsAskedAtTheNewTier() throws Exception {
		String root = adminAccessToken();
		JsonNode user = signup();
		String userId = user.at("/user/id").asString();
		setTier(root, userId, "PROTOSTAR");
		String token = body(postJson("/api/auth/refresh", """
				{"refreshToken":"%s"}""".formatted(user.get("refreshToken").asString()))).at("/data/accessToken")
			.asString();
		String conversationId = body(postJson("/api/conversations", token, "{}")).at("/data/id").asString();
		assertThat(payloadOf(ask(token, conversationId))).containsEntry("role", "PROTOSTAR")
			.containsEntry("documentAccess", "CONFIDENTIAL");

		setTier(root, userId, "GUEST");

		// The same access token, which still says PROTOSTAR.
		assertThat(payloadOf(ask(token, conversationId))).containsEntry("role", "GUEST")
			.containsEntry("documentAccess", "PUBLIC");
	}

	@Test
	void aPromotionTakesEffectAtOnceToo() throws Exception {
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		assertThat(get("/api/admin/documents", token).statusCode()).isEqualTo(403);

		setTier(adminAccessToken(), user.at("/user/id").asString(), "ADMIN");

		assertThat(get("/api/admin/documents", token).statusCode()).isEqualTo(200);
		assertThat(body(get("/api/me", token)).at("/data/tier").asString()).isEqualTo("ADMIN");
	}

	@Test
	void theCurrentTierIsKeptInRedisAndFollowsTheChange() throws Exception {
		JsonNode user = signup();
		String userId = user.at("/user/id").asString();
		get("/api/me", user.get("accessToken").asString());
		assertThat(this.redis.<String, String>opsForHash().get("protostar:user:" + userId, "tier")).isEqualTo("GUEST");

		setTier(adminAccessToken(), userId, "STARGAZER");

		assertThat(this.redis.<String, String>opsForHash().get("protostar:user:" + userId, "tier"))
			.isEqualTo("STARGAZER");
	}

	/** Every endpoint that requires ADMIN, as a request that would reach it (any body is refused before it is read). */
	private List<HttpRequest.Builder> adminEndpoints() {
		List<HttpRequest.Builder> requests = new ArrayList<>();
		for (Map.Entry<RequestMappingInfo, HandlerMethod> entry : this.mappings.getHandlerMethods().entrySet()) {
			HandlerMethod handler = entry.getValue();
			RequiresTier required = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), RequiresTier.class);
			if (required == null) {
				required = AnnotatedElementUtils.findMergedAnnotation(handler.getBeanType(), RequiresTier.class);
			}
			if (required == null || required.value() != Tier.ADMIN) {
				continue;
			}
			RequestMappingInfo info = entry.getKey();
			String contentType = info.getConsumesCondition()
				.getConsumableMediaTypes()
				.stream()
				.findFirst()
				.map(MediaType::toString)
				.orElse(MediaType.APPLICATION_JSON_VALUE);
			for (String pattern : info.getPathPatternsCondition().getPatternValues()) {
				String path = pattern.replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
				for (var method : info.getMethodsCondition().getMethods()) {
					requests.add(request(path).header("Content-Type", contentType)
						.method(method.name(), BodyPublishers.ofString("{}")));
				}
			}
		}
		assertThat(requests).as("admin endpoints").isNotEmpty();
		return requests;
	}

	private HttpResponse<String> setTier(String token, String userId, String tier) throws Exception {
		return patchJson("/api/admin/users/" + userId + "/tier", token, "{\"tier\":\"" + tier + "\"}");
	}

	private String tierOf(String userId) {
		return this.jdbc.queryForObject("SELECT tier FROM users WHERE id = ?::uuid", String.class, userId);
	}

	private String ask(String token, String conversationId) throws Exception {
		HttpResponse<String> response = postJson("/api/conversations/" + conversationId + "/messages", token,
				"{\"message\":\"What may I read?\"}");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
		return body(response).at("/data/jobId").asString();
	}

	private Map<String, String> payloadOf(String jobId) {
		String payload = (String) this.redis.opsForHash().get("protostar:jobs:job:" + jobId, "payload");
		JsonNode node = json.readTree(payload);
		return Map.of("role", node.get("role").asString(), "documentAccess", node.get("documentAccess").asString());
	}

}

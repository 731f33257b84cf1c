package dev.protostar.backend.security;

import java.net.http.HttpResponse;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What /api/me (an endpoint that needs a user) answers for missing and bad
 * access tokens. The bad ones claim an existing user, so only the token can be
 * what fails.
 */
class AccessTokenIntegrationTests extends IntegrationTestSupport {

	private UUID userId;

	@BeforeEach
	void createUser() throws Exception {
		this.userId = UUID.fromString(signup().at("/user/id").asString());
	}

	@Test
	void handMadeValidTokenIsAccepted() throws Exception {
		// Proves the bad tokens below fail for their flaw, not for being hand-made.
		assertThat(get("/api/me", TestTokens.valid(this.userId, "GUEST")).statusCode()).isEqualTo(200);
	}

	@Test
	void noTokenIs401UnauthenticatedWithBearerChallenge() throws Exception {
		HttpResponse<String> response = get("/api/me");

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("UNAUTHENTICATED");
		assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
		// Answered by the security chain, still stamped by the identity and request-id filters.
		assertThat(response.headers().firstValue("X-Protostar-Backend")).isPresent();
		assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
	}

	@Test
	void expiredTokenIs401TokenExpired() throws Exception {
		assertRefused(TestTokens.expired(), "TOKEN_EXPIRED");
	}

	@Test
	void tamperedPayloadIs401() throws Exception {
		assertRefused(TestTokens.tamperedPayload(this.userId), "INVALID_TOKEN");
	}

	@Test
	void tamperedSignatureIs401() throws Exception {
		assertRefused(TestTokens.tamperedSignature(this.userId), "INVALID_TOKEN");
	}

	@Test
	void otherSecretIs401() throws Exception {
		assertRefused(TestTokens.signedWithOtherSecret(), "INVALID_TOKEN");
	}

	@Test
	void algNoneIs401() throws Exception {
		assertRefused(TestTokens.algNone(this.userId), "INVALID_TOKEN");
	}

	@Test
	void hs512Is401() throws Exception {
		assertRefused(TestTokens.hs512(this.userId), "INVALID_TOKEN");
	}

	@Test
	void rs256Is401() throws Exception {
		assertRefused(TestTokens.rs256(this.userId), "INVALID_TOKEN");
	}

	@Test
	void wrongIssuerIs401() throws Exception {
		assertRefused(TestTokens.wrongIssuer(), "INVALID_TOKEN");
	}

	@Test
	void wrongTypeIs401() throws Exception {
		assertRefused(TestTokens.wrongType(), "INVALID_TOKEN");
	}

	@Test
	void garbageIs401() throws Exception {
		assertRefused("not-a-jwt", "INVALID_TOKEN");
	}

	@Test
	void basicSchemeIs401InvalidToken() throws Exception {
		HttpResponse<String> response = send(
				request("/api/me").header("Authorization", "Basic dXNlcjpwYXNzd29yZA==").GET().build());

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("INVALID_TOKEN");
	}

	@Test
	void unknownPathWithoutTokenIs404NotUnauthorized() throws Exception {
		HttpResponse<String> response = get("/api/no-such-endpoint");

		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("NOT_FOUND");
	}

	private void assertRefused(String token, String resultCode) throws Exception {
		HttpResponse<String> response = get("/api/me", token);

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo(resultCode);
		assertThat(body(response).at("/data").isNull()).isTrue();
		assertThat(response.headers().firstValue("WWW-Authenticate"))
			.hasValueSatisfying((value) -> assertThat(value).startsWith("Bearer error=\"invalid_token\""));
	}

}

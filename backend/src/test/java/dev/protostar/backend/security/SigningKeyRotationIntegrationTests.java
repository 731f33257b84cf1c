package dev.protostar.backend.security;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.UUID;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.OtherInstance;
import dev.protostar.backend.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key rotation as {@code protostar secrets rotate jwt} does it: the "green"
 * instance runs with a new {@code JWT_SECRET} and the old one as
 * {@code JWT_PREVIOUS_SECRET}, beside "blue" (this test's) still on the old
 * one. Tokens name their key ({@code kid}); green signs with the new key and
 * accepts both, so nobody is signed out by the rotation.
 */
class SigningKeyRotationIntegrationTests extends IntegrationTestSupport {

	private static final String NEW_SECRET = "the-rotated-secret-0123456789abcdef-0123";

	@RegisterExtension
	static final OtherInstance green = new OtherInstance("green", "protostar.auth.jwt-secret=" + NEW_SECRET,
			"protostar.auth.jwt-previous-secret=" + JWT_SECRET);

	private UUID userId;

	@BeforeEach
	void createUser() throws Exception {
		this.userId = UUID.fromString(signup().at("/user/id").asString());
	}

	@Test
	void tokensCarryTheIdOfTheKeyThatSignedThem() throws Exception {
		String token = signup().get("accessToken").asString();

		assertThat(SignedJWT.parse(token).getHeader().getKeyID()).isEqualTo(kid(JWT_SECRET));
		assertThat(SignedJWT.parse(greenLogin()).getHeader().getKeyID()).isEqualTo(kid(NEW_SECRET));
	}

	@Test
	void aTokenOfThePreviousKeyIsAcceptedAfterTheRotation() throws Exception {
		String issuedByBlue = signup().get("accessToken").asString();

		assertThat(me(green, issuedByBlue).statusCode()).isEqualTo(200);
		assertThat(me(green, token(kid(JWT_SECRET), JWT_SECRET)).statusCode()).isEqualTo(200);
	}

	@Test
	void aTokenWithoutKidIsAcceptedWhenItsKeyIsKnown() throws Exception {
		// Issued by the release before key ids.
		assertThat(me(null, TestTokens.valid(this.userId, "GUEST")).statusCode()).isEqualTo(200);
		assertThat(me(green, token(null, NEW_SECRET)).statusCode()).isEqualTo(200);
		assertThat(me(green, token(null, JWT_SECRET)).statusCode()).isEqualTo(200);
	}

	@Test
	void aTokenOfAnUnknownKeyIsRefused() throws Exception {
		assertInvalid(me(green, token("0badc0de", NEW_SECRET)));
		assertInvalid(me(null, token("0badc0de", JWT_SECRET)));
		// The key id names the key: a token cannot borrow the id of a known one.
		assertInvalid(me(green, token(kid(NEW_SECRET), JWT_SECRET)));
		assertInvalid(me(null, token(kid(JWT_SECRET), "some-other-secret-of-at-least-32-bytes")));
		// Blue has not been given the new key yet.
		assertInvalid(me(null, greenLogin()));
	}

	private String greenLogin() throws Exception {
		String email = uniqueEmail();
		signup(email, "Green");
		HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(green.baseUrl() + "/api/auth/login"))
			.header("Content-Type", "application/json")
			.header("X-Real-IP", this.clientIp)
			.POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(
					json.createObjectNode().put("email", email).put("password", PASSWORD))))
			.build());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return body(response).at("/data/accessToken").asString();
	}

	private HttpResponse<String> me(OtherInstance instance, String token) throws Exception {
		String base = (instance != null) ? instance.baseUrl() : baseUrl();
		return send(HttpRequest.newBuilder(URI.create(base + "/api/me"))
			.header("Authorization", "Bearer " + token)
			.header("X-Real-IP", this.clientIp)
			.GET()
			.build());
	}

	private String token(String kid, String secret) throws Exception {
		JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("protostar")
			.subject(this.userId.toString())
			.claim("tier", "GUEST")
			.issueTime(new Date())
			.expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5))))
			.build();
		SignedJWT jwt = new SignedJWT(
				new JWSHeader.Builder(JWSAlgorithm.HS256).type(new JOSEObjectType("at+jwt")).keyID(kid).build(), claims);
		jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
		return jwt.serialize();
	}

	private static String kid(String secret) throws Exception {
		byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
		return HexFormat.of().formatHex(digest).substring(0, 8);
	}

	private static void assertInvalid(HttpResponse<String> response) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("INVALID_TOKEN");
	}

}

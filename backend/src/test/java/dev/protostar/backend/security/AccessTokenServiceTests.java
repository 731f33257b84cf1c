package dev.protostar.backend.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.UUID;

import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;

import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.tier.Tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class AccessTokenServiceTests {

	private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

	private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

	private static final byte[] PREVIOUS_KEY = "the-previous-key-the-previous-key!".getBytes(StandardCharsets.UTF_8);

	private static final UUID SESSION = UUID.randomUUID();

	private final UUID userId = UUID.randomUUID();

	private final AccessTokenService tokens = at(NOW);

	@Test
	void issuedTokenVerifiesToItsUserAndTier() throws Exception {
		String token = this.tokens.issue(this.userId, Tier.STARGAZER, 3, SESSION).token();

		assertThat(this.tokens.verify(token)).isEqualTo(new VerifiedAccessToken(this.userId, Tier.STARGAZER, 3, SESSION));
	}

	@Test
	void issuedTokenHasTheAgreedHeaderAndClaims() throws Exception {
		SignedJWT jwt = SignedJWT.parse(this.tokens.issue(this.userId, Tier.GUEST, 3, SESSION).token());

		assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("HS256");
		assertThat(jwt.getHeader().getType().getType()).isEqualTo("at+jwt");
		assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo("protostar");
		assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo(this.userId.toString());
		assertThat(jwt.getJWTClaimsSet().getStringClaim("tier")).isEqualTo("GUEST");
		assertThat(jwt.getJWTClaimsSet().getLongClaim("sv")).isEqualTo(3);
		assertThat(jwt.getJWTClaimsSet().getStringClaim("sid")).isEqualTo(SESSION.toString());
		// The key's id: the first 8 hex digits of its SHA-256.
		assertThat(jwt.getHeader().getKeyID()).isEqualTo(HexFormat.of()
			.formatHex(MessageDigest.getInstance("SHA-256").digest(KEY))
			.substring(0, 8));
		assertThat(jwt.getJWTClaimsSet().getExpirationTime().toInstant()).isEqualTo(NOW.plus(Duration.ofMinutes(15)));
	}

	@Test
	void issueReportsTheLifetime() {
		assertThat(this.tokens.issue(this.userId, Tier.GUEST, 3, SESSION).expiresIn()).isEqualTo(900);
	}

	@Test
	void tokenIsValidUntilExpiryPlusSkew() throws Exception {
		String token = this.tokens.issue(this.userId, Tier.GUEST, 3, SESSION).token();

		assertThat(at(NOW.plus(Duration.ofMinutes(15)).plusSeconds(29)).verify(token)).isNotNull();
	}

	@Test
	void expiredTokenIsTokenExpired() {
		String token = this.tokens.issue(this.userId, Tier.GUEST, 3, SESSION).token();

		assertRefused(at(NOW.plus(Duration.ofMinutes(16))), token, ResultCode.TOKEN_EXPIRED);
	}

	@Test
	void expiredTokenWithBadSignatureIsInvalidNotExpired() {
		String token = new AccessTokenService("another-key-another-key-another-key".getBytes(StandardCharsets.UTF_8), null,
				Duration.ofMinutes(15), Clock.fixed(NOW, ZoneOffset.UTC))
			.issue(this.userId, Tier.GUEST, 3, SESSION)
			.token();

		assertRefused(at(NOW.plus(Duration.ofHours(1))), token, ResultCode.INVALID_TOKEN);
	}

	@Test
	void tokenOfAnotherKeyIsInvalid() {
		String token = new AccessTokenService("another-key-another-key-another-key".getBytes(StandardCharsets.UTF_8), null,
				Duration.ofMinutes(15), Clock.fixed(NOW, ZoneOffset.UTC))
			.issue(this.userId, Tier.ADMIN, 3, SESSION)
			.token();

		assertRefused(this.tokens, token, ResultCode.INVALID_TOKEN);
	}

	@Test
	void changedPayloadIsInvalid() {
		String[] parts = this.tokens.issue(this.userId, Tier.GUEST, 3, SESSION).token().split("\\.");
		String admin = this.tokens.issue(this.userId, Tier.ADMIN, 3, SESSION).token().split("\\.")[1];

		assertRefused(this.tokens, parts[0] + "." + admin + "." + "x" + parts[2].substring(1), ResultCode.INVALID_TOKEN);
		assertRefused(this.tokens, parts[0] + "." + admin + "." + parts[2], ResultCode.INVALID_TOKEN);
	}

	@Test
	void unsignedTokenIsInvalid() {
		String[] parts = this.tokens.issue(this.userId, Tier.ADMIN, 3, SESSION).token().split("\\.");
		String none = java.util.Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString("{\"alg\":\"none\",\"typ\":\"at+jwt\"}".getBytes(StandardCharsets.UTF_8));

		assertRefused(this.tokens, none + "." + parts[1] + ".", ResultCode.INVALID_TOKEN);
	}

	@Test
	void tokensOfThePreviousKeyAreAcceptedAfterARotation() throws Exception {
		String beforeRotation = at(NOW).issue(this.userId, Tier.GUEST, 3, SESSION).token();
		AccessTokenService rotated = new AccessTokenService("a-new-key-a-new-key-a-new-key-0123".getBytes(
				StandardCharsets.UTF_8), KEY, Duration.ofMinutes(15), Clock.fixed(NOW, ZoneOffset.UTC));

		assertThat(rotated.verify(beforeRotation).userId()).isEqualTo(this.userId);
		assertThat(rotated.verify(rotated.issue(this.userId, Tier.GUEST, 3, SESSION).token()).userId())
			.isEqualTo(this.userId);
		// But the old instance does not know the new key yet.
		assertRefused(at(NOW), rotated.issue(this.userId, Tier.GUEST, 3, SESSION).token(), ResultCode.INVALID_TOKEN);
	}

	@Test
	void aKeyThatIsNeitherCurrentNorPreviousIsRefused() {
		AccessTokenService older = new AccessTokenService(PREVIOUS_KEY, null, Duration.ofMinutes(15),
				Clock.fixed(NOW, ZoneOffset.UTC));
		AccessTokenService rotatedTwice = new AccessTokenService("a-new-key-a-new-key-a-new-key-0123".getBytes(
				StandardCharsets.UTF_8), KEY, Duration.ofMinutes(15), Clock.fixed(NOW, ZoneOffset.UTC));

		assertRefused(rotatedTwice, older.issue(this.userId, Tier.GUEST, 3, SESSION).token(), ResultCode.INVALID_TOKEN);
	}

	@Test
	void garbageIsInvalid() {
		assertRefused(this.tokens, "a.b.c", ResultCode.INVALID_TOKEN);
	}

	@Test
	void emptyIsInvalid() {
		assertRefused(this.tokens, "", ResultCode.INVALID_TOKEN);
	}

	private static AccessTokenService at(Instant now) {
		return new AccessTokenService(KEY, null, Duration.ofMinutes(15), Clock.fixed(now, ZoneOffset.UTC));
	}

	private static void assertRefused(AccessTokenService service, String token, ResultCode code) {
		assertThatExceptionOfType(InvalidAccessTokenException.class).isThrownBy(() -> service.verify(token))
			.satisfies((ex) -> assertThat(ex.resultCode()).isEqualTo(code));
	}

}

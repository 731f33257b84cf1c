package dev.protostar.backend.account;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.protostar.backend.account.AccountViews.Me;
import dev.protostar.backend.account.AccountViews.Tokens;
import dev.protostar.backend.account.AccountViews.UserView;
import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.security.AccessTokenService;
import dev.protostar.backend.security.AccessTokenService.IssuedAccessToken;
import dev.protostar.backend.tier.Tier;
import dev.protostar.backend.tier.TierPolicy;
import dev.protostar.backend.tier.TierProperties;

@Service
class AccountService {

	private static final Log logger = LogFactory.getLog(AccountService.class);

	private final UserRepository users;

	private final RefreshTokenStore refreshTokens;

	private final AccessTokenService accessTokens;

	private final PasswordEncoder passwords;

	private final TierPolicy tierPolicy;

	private final TierProperties tiers;

	private final Clock clock;

	/** Failed logins, for an operator watching for password guessing. */
	private final Counter loginFailures;

	/**
	 * Checked against when the email is unknown, so that "no such user" takes
	 * as long as "wrong password" and the timing does not tell which emails
	 * have accounts.
	 */
	private final String decoyHash;

	AccountService(UserRepository users, RefreshTokenStore refreshTokens, AccessTokenService accessTokens,
			PasswordEncoder passwords, TierPolicy tierPolicy, TierProperties tiers, Clock clock, MeterRegistry meters) {
		this.users = users;
		this.refreshTokens = refreshTokens;
		this.accessTokens = accessTokens;
		this.passwords = passwords;
		this.tierPolicy = tierPolicy;
		this.tiers = tiers;
		this.clock = clock;
		this.decoyHash = passwords.encode(UUID.randomUUID().toString());
		this.loginFailures = Counter.builder("protostar.login.failures")
			.description("Logins refused for a wrong e-mail or password")
			.register(meters);
	}

	Tokens signup(AccountRequests.Signup request) {
		Instant now = this.clock.instant();
		User user = new User(UUID.randomUUID(), request.email(), this.passwords.encode(request.password()),
				request.displayName(), Tier.GUEST, false, 0, now, now);
		try {
			this.users.insert(user);
		}
		catch (DuplicateKeyException ex) {
			throw new ApiException(ResultCode.EMAIL_TAKEN, "an account with this email already exists");
		}
		return tokensFor(user, this.refreshTokens.issue(user.id()));
	}

	Tokens login(AccountRequests.Login request) {
		Optional<User> found = this.users.findByEmail(request.email());
		String hash = found.map(User::passwordHash).orElse(this.decoyHash);
		boolean matches = this.passwords.matches(request.password(), hash);
		if (found.isEmpty() || !matches) {
			this.loginFailures.increment();
			// Without the address: the request id ties it to the access log.
			logger.info("Login refused: wrong e-mail or password");
			throw new ApiException(ResultCode.INVALID_CREDENTIALS, "wrong email or password");
		}
		User user = found.get();
		Instant now = this.clock.instant();
		if (this.passwords.upgradeEncoding(user.passwordHash())) {
			this.users.updatePasswordHash(user.id(), this.passwords.encode(request.password()), now);
		}
		this.users.recordLogin(user.id(), now);
		user = promoteIfDue(user, now);
		return tokensFor(user, this.refreshTokens.issue(user.id()));
	}

	Tokens refresh(String presented) {
		RefreshTokenStore.Rotation rotation = this.refreshTokens.rotate(presented);
		switch (rotation.outcome()) {
			case REUSED -> {
				logger.warn("A rotated refresh token was presented again; its family is revoked");
				throw new ApiException(ResultCode.REFRESH_TOKEN_REUSED,
						"refresh token was already used; all sessions of this login are revoked, log in again");
			}
			case INVALID -> throw invalidRefreshToken();
			case ROTATED -> {
				// Fall through to issuing tokens below.
			}
		}
		Optional<User> found = this.users.findById(rotation.userId());
		if (found.isEmpty()) {
			this.refreshTokens.revokeFamily(rotation.token());
			throw invalidRefreshToken();
		}
		User user = promoteIfDue(found.get(), this.clock.instant());
		return tokensFor(user, rotation.token());
	}

	void logout(String presented) {
		this.refreshTokens.revokeFamily(presented);
	}

	Me me(UUID userId) {
		User user = this.users.findById(userId)
			// A valid token of a user deleted since: nobody to answer for.
			.orElseThrow(() -> new ApiException(ResultCode.INVALID_TOKEN, "the account no longer exists"));
		return new Me(user.id(), user.email(), user.displayName(), user.tier(), this.tiers.limitsOf(user.tier()),
				user.createdAt());
	}

	/**
	 * Sets a user's tier by hand, which locks it against automatic promotion.
	 * Admins are locked and counted in the same transaction, so two admins
	 * demoting each other at the same moment cannot leave none.
	 */
	@Transactional
	UserView changeTier(UUID actorId, UUID targetId, Tier tier) {
		List<UUID> admins = this.users.lockAdmins();
		User target = this.users.findByIdForUpdate(targetId)
			.orElseThrow(() -> new ApiException(ResultCode.NOT_FOUND, "no such user"));
		if (target.tier() == Tier.ADMIN && tier != Tier.ADMIN) {
			if (target.id().equals(actorId)) {
				throw new ApiException(ResultCode.CANNOT_DEMOTE_SELF, "admins cannot demote themselves");
			}
			if (admins.size() <= 1) {
				throw new ApiException(ResultCode.LAST_ADMIN, "the last admin cannot be demoted");
			}
		}
		Instant now = this.clock.instant();
		this.users.updateTier(targetId, tier, true, now);
		logger.info("User " + actorId + " set the tier of " + targetId + " from " + target.tier() + " to " + tier);
		return UserView.of(new User(target.id(), target.email(), target.passwordHash(), target.displayName(), tier,
				true, target.questionsAsked(), target.createdAt(), now));
	}

	private User promoteIfDue(User user, Instant now) {
		Tier tier = this.tierPolicy.tierFor(user.tier(), user.tierLocked(), user.createdAt(), user.questionsAsked(),
				now);
		if (tier == user.tier()) {
			return user;
		}
		this.users.updateTier(user.id(), tier, false, now);
		logger.info("User " + user.id() + " promoted from " + user.tier() + " to " + tier);
		return new User(user.id(), user.email(), user.passwordHash(), user.displayName(), tier, false,
				user.questionsAsked(), user.createdAt(), now);
	}

	private Tokens tokensFor(User user, String refreshToken) {
		IssuedAccessToken access = this.accessTokens.issue(user.id(), user.tier());
		return new Tokens(UserView.of(user), access.token(), "Bearer", access.expiresIn(), refreshToken,
				this.refreshTokens.ttl().toSeconds());
	}

	private static ApiException invalidRefreshToken() {
		return new ApiException(ResultCode.INVALID_REFRESH_TOKEN, "refresh token is invalid, expired or revoked");
	}

}

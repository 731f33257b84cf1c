package dev.protostar.backend.account;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
import dev.protostar.backend.account.AccountViews.Quota;
import dev.protostar.backend.account.AccountViews.SessionView;
import dev.protostar.backend.account.AccountViews.Tokens;
import dev.protostar.backend.account.AccountViews.UserView;
import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.audit.AuditAction;
import dev.protostar.backend.audit.AuditLog;
import dev.protostar.backend.ratelimit.DailyQuestionQuota;
import dev.protostar.backend.security.AccessRevoked;
import dev.protostar.backend.security.AccessTokenService;
import dev.protostar.backend.security.AccessTokenService.IssuedAccessToken;
import dev.protostar.backend.tier.Tier;
import dev.protostar.backend.tier.TierLimits;
import dev.protostar.backend.tier.TierPolicy;
import dev.protostar.backend.tier.TierProperties;

@Service
class AccountService {

	private static final Log logger = LogFactory.getLog(AccountService.class);

	private final UserRepository users;

	private final RefreshTokenStore refreshTokens;

	private final AccessChanges access;

	private final AccessTokenService accessTokens;

	private final PasswordEncoder passwords;

	private final TierPolicy tierPolicy;

	private final TierProperties tiers;

	private final DailyQuestionQuota quota;

	private final Clock clock;

	private final AuditLog audit;

	private final SignupProperties signup;

	private final InviteRepository invites;

	private final SetupLinkRepository setupLinks;

	/** Failed logins, for an operator watching for password guessing. */
	private final Counter loginFailures;

	/**
	 * Checked against when the email is unknown, so that "no such user" takes
	 * as long as "wrong password" and the timing does not tell which emails
	 * have accounts.
	 */
	private final String decoyHash;

	AccountService(UserRepository users, RefreshTokenStore refreshTokens, AccessChanges access,
			AccessTokenService accessTokens, PasswordEncoder passwords, TierPolicy tierPolicy, TierProperties tiers,
			DailyQuestionQuota quota, Clock clock, AuditLog audit, MeterRegistry meters, SignupProperties signup,
			InviteRepository invites, SetupLinkRepository setupLinks) {
		this.signup = signup;
		this.invites = invites;
		this.setupLinks = setupLinks;
		this.users = users;
		this.refreshTokens = refreshTokens;
		this.access = access;
		this.accessTokens = accessTokens;
		this.passwords = passwords;
		this.tierPolicy = tierPolicy;
		this.tiers = tiers;
		this.quota = quota;
		this.clock = clock;
		this.audit = audit;
		this.decoyHash = passwords.encode(UUID.randomUUID().toString());
		this.loginFailures = Counter.builder("protostar.login.failures")
			.description("Logins and password changes refused for a wrong e-mail or password")
			.register(meters);
	}

	/**
	 * Creates an account, if the signup policy admits it (see SignupProperties):
	 * with an invite (spent in the same transaction, so it is used once even
	 * when two signups race) at the invite's tier, otherwise as GUEST. Redis is
	 * asked first: without it no session can start, and the account must not be
	 * created for a signup that answers 503.
	 */
	@Transactional
	Tokens signup(AccountRequests.Signup request, Client client) {
		SignupProperties.Policy policy = this.signup.policy();
		if (policy == SignupProperties.Policy.CLOSED) {
			throw new ApiException(ResultCode.SIGNUP_CLOSED, "signup is closed; ask an administrator for an account");
		}
		if (request.inviteToken() == null) {
			if (policy == SignupProperties.Policy.INVITE) {
				throw new ApiException(ResultCode.INVITE_REQUIRED, "signup needs an invite; ask an administrator");
			}
			if (policy == SignupProperties.Policy.DOMAINS && !this.signup.admitsDomainOf(request.email())) {
				throw new ApiException(ResultCode.SIGNUP_DOMAIN_NOT_ALLOWED,
						"signup is not open to this e-mail domain; ask an administrator for an invite");
			}
		}
		this.refreshTokens.requireAvailable();
		Instant now = this.clock.instant();
		Tier tier = Tier.GUEST;
		InviteRepository.Invite invite = null;
		if (request.inviteToken() != null) {
			invite = this.invites.findUsableForUpdate(OneTimeTokens.hash(request.inviteToken()), now)
				.filter((found) -> found.email() == null || found.email().equals(request.email()))
				.orElseThrow(() -> new ApiException(ResultCode.INVITE_INVALID,
						"the invite is invalid, used, expired, or for another e-mail address"));
			tier = invite.tier();
		}
		// A tier an admin chose (through the invite) is locked, as if set by hand.
		User user = User.create(request.email(), this.passwords.encode(request.password()), request.displayName(),
				tier, tier != Tier.GUEST, now);
		insertOrConflict(user);
		if (invite != null) {
			this.invites.markUsed(invite.id(), user.id(), now);
			logger.info("User " + user.id() + " signed up with invite " + invite.id() + " as " + tier);
		}
		Tokens tokens = startSession(user, client);
		this.audit.record(AuditAction.SIGNUP, user.id(), user.id(),
				(invite != null) ? Map.of("invite", invite.id(), "tier", tier) : Map.of());
		return tokens;
	}

	/**
	 * Creates an ADMIN account with a setup link, spending it in the same
	 * transaction: of two concurrent uses one wins, and a failure (the e-mail
	 * taken, Redis away) leaves the link valid. An existing account is never
	 * made an admin this way. Works whatever the signup policy, and whether an
	 * admin exists or not (the link is also how access is recovered).
	 */
	@Transactional
	Tokens setup(AccountRequests.Setup request, Client client) {
		this.refreshTokens.requireAvailable();
		Instant now = this.clock.instant();
		if (!this.setupLinks.spend(OneTimeTokens.hash(request.token()), now)) {
			throw new ApiException(ResultCode.SETUP_LINK_INVALID,
					"the setup link is invalid, used or expired; 'protostar admin reset-link' makes a new one");
		}
		User user = User.create(request.email(), this.passwords.encode(request.password()), request.displayName(),
				Tier.ADMIN, true, now);
		insertOrConflict(user);
		logger.info("User " + user.id() + " created as ADMIN with a setup link");
		Tokens tokens = startSession(user, client);
		this.audit.record(AuditAction.ADMIN_SETUP, user.id(), user.id());
		return tokens;
	}

	private void insertOrConflict(User user) {
		try {
			this.users.insert(user);
		}
		catch (DuplicateKeyException ex) {
			throw new ApiException(ResultCode.EMAIL_TAKEN, "an account with this email already exists");
		}
	}

	/**
	 * Redis is asked before the password is checked, so that while it is away
	 * a right and a wrong password both answer 503 (the rate limit, which
	 * fails closed here, usually answers first; this holds with rate limits
	 * switched off too).
	 */
	Tokens login(AccountRequests.Login request, Client client) {
		this.refreshTokens.requireAvailable();
		Optional<User> found = this.users.findByEmail(request.email());
		String hash = found.map(User::passwordHash).orElse(this.decoyHash);
		boolean matches = this.passwords.matches(request.password(), hash);
		if (found.isEmpty() || !matches) {
			this.loginFailures.increment();
			// Without the address: the request id ties it to the access log.
			logger.info("Login refused: wrong e-mail or password");
			// The e-mail tried, never the password; the account, when there is one, as
			// subject, so that an admin looking at a user sees the guesses at it.
			this.audit.record(AuditAction.LOGIN_FAILED, null, found.map(User::id).orElse(null),
					Map.of("email", request.email()));
			throw new ApiException(ResultCode.INVALID_CREDENTIALS, "wrong email or password");
		}
		User user = found.get();
		Instant now = this.clock.instant();
		if (this.passwords.upgradeEncoding(user.passwordHash())) {
			this.users.updatePasswordHash(user.id(), this.passwords.encode(request.password()), now);
		}
		this.users.recordLogin(user.id(), now);
		user = promoteIfDue(user, now);
		Tokens tokens = startSession(user, client);
		this.audit.record(AuditAction.LOGIN, user.id(), user.id());
		return tokens;
	}

	Tokens refresh(String presented, Client client) {
		RefreshTokenStore.Rotation rotation = this.refreshTokens.rotate(presented, client);
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
		if (found.isEmpty() || rotation.securityVersion() < found.get().sessionsValidFrom()) {
			// Gone, or started before the user's sessions were revoked (a login
			// that raced "sign out everywhere", or a session of the release
			// before missing from the index).
			this.refreshTokens.revokeFamily(rotation.issued().token());
			throw invalidRefreshToken();
		}
		User user = promoteIfDue(found.get(), this.clock.instant());
		return tokensFor(user, rotation.issued());
	}

	void logout(String presented) {
		this.refreshTokens.revokeFamily(presented)
			.ifPresent((userId) -> this.audit.record(AuditAction.LOGOUT, userId, userId));
	}

	/** Ends every session of the user and every access token issued so far. */
	@Transactional
	void logoutAll(UUID userId) {
		revokeEverything(userId, AccessRevoked.SIGNED_OUT);
		this.audit.record(AuditAction.LOGOUT_ALL, userId, userId);
	}

	/**
	 * Changes the password: every session and access token issued so far is
	 * revoked, and the caller gets a new session (the tokens of this answer).
	 * Redis is asked before the current password is checked, as for login.
	 */
	@Transactional
	Tokens changePassword(UUID userId, AccountRequests.PasswordChange request, Client client) {
		if (request.newPassword().equals(request.currentPassword())) {
			throw new ApiException(ResultCode.VALIDATION_FAILED, "newPassword: must differ from the current password");
		}
		this.refreshTokens.requireAvailable();
		User user = this.users.findByIdForUpdate(userId).orElseThrow(AccountService::accountGone);
		if (!this.passwords.matches(request.currentPassword(), user.passwordHash())) {
			this.loginFailures.increment();
			logger.info("Password change refused: wrong current password");
			throw new ApiException(ResultCode.WRONG_PASSWORD, "the current password is wrong");
		}
		User changed = this.users
			.replacePassword(userId, this.passwords.encode(request.newPassword()), this.clock.instant())
			.orElseThrow(AccountService::accountGone);
		this.access.revoked(changed, AccessRevoked.PASSWORD_CHANGED);
		this.refreshTokens.revokeAll(userId);
		logger.info("User " + userId + " changed the password; every other session is revoked");
		this.audit.record(AuditAction.PASSWORD_CHANGED, userId, userId);
		return startSession(changed, client);
	}

	/** The user's sessions, the most recently used first. */
	List<SessionView> sessions(UUID userId, UUID currentSession) {
		return this.refreshTokens.sessions(userId)
			.stream()
			.sorted(Comparator.comparing(RefreshTokenStore.Session::lastUsedAt).reversed())
			.map((session) -> new SessionView(session.id(), session.device().isEmpty() ? null : session.device(),
					session.address(), session.createdAt(), session.lastUsedAt(), session.expiresAt(),
					session.id().equals(currentSession)))
			.toList();
	}

	/**
	 * Ends one session, its access tokens at once: every access token of the
	 * user is revoked, the other sessions' clients get new ones by refreshing.
	 */
	@Transactional
	void revokeSession(UUID userId, UUID sessionId) {
		if (!this.refreshTokens.revoke(userId, sessionId)) {
			throw new ApiException(ResultCode.NOT_FOUND, "no such session");
		}
		User user = this.users.revokeAccessTokens(userId, this.clock.instant()).orElseThrow(AccountService::accountGone);
		this.access.revoked(user, AccessRevoked.SESSION_REVOKED);
		this.audit.record(AuditAction.SESSION_REVOKED, userId, userId, Map.of("session", sessionId));
	}

	/** An admin ends every session of a user. */
	@Transactional
	void revokeSessionsOf(UUID actorId, UUID targetId) {
		revokeEverything(targetId, AccessRevoked.REVOKED_BY_ADMIN);
		logger.info("User " + actorId + " revoked every session of " + targetId);
		this.audit.record(AuditAction.SESSION_REVOKED, actorId, targetId, Map.of("scope", "all"));
	}

	private void revokeEverything(UUID userId, String reason) {
		User user = this.users.revokeSessions(userId, this.clock.instant())
			.orElseThrow(() -> new ApiException(ResultCode.NOT_FOUND, "no such user"));
		this.access.revoked(user, reason);
		this.refreshTokens.revokeAll(userId);
	}

	Me me(UUID userId) {
		User user = this.users.findById(userId).orElseThrow(AccountService::accountGone);
		TierLimits limits = this.tiers.limitsOf(user.tier());
		Quota quota = new Quota(limits.questionsPerDay(), this.quota.usedToday(user.id(), limits.questionsPerDay()),
				this.quota.resetsAt());
		return new Me(user.id(), user.email(), user.displayName(), user.tier(), limits, quota, user.createdAt());
	}

	/**
	 * Sets a user's tier by hand, which locks it against automatic promotion.
	 * Admins are locked and counted in the same transaction, so two admins
	 * demoting each other at the same moment cannot leave none, and the actor
	 * must be among them: an admin demoted a moment ago can do nothing more.
	 */
	@Transactional
	UserView changeTier(UUID actorId, UUID targetId, Tier tier) {
		List<UUID> admins = this.users.lockAdmins();
		if (!admins.contains(actorId)) {
			throw new ApiException(ResultCode.FORBIDDEN, "your tier does not allow this");
		}
		User target = this.users.findByIdForUpdate(targetId)
			.orElseThrow(() -> new ApiException(ResultCode.NOT_FOUND, "no such user"));
		if (target.tier() == Tier.ADMIN && tier != Tier.ADMIN) {
			if (target.id().equals(actorId)) {
				throw new ApiException(ResultCode.CANNOT_DEMOTE_SELF, "admins cannot demote themselves");
			}
			// With the actor an admin too, there are two; kept for a caller
			// that acts for nobody in particular.
			if (admins.size() <= 1) {
				throw new ApiException(ResultCode.LAST_ADMIN, "the last admin cannot be demoted");
			}
		}
		User changed = this.users.updateTier(targetId, tier, true, this.clock.instant()).orElseThrow();
		if (tier.isAtLeast(target.tier())) {
			this.access.changed(changed);
		}
		else {
			this.access.revoked(changed, AccessRevoked.TIER_CHANGED);
		}
		logger.info("User " + actorId + " set the tier of " + targetId + " from " + target.tier() + " to " + tier);
		this.audit.record(AuditAction.TIER_CHANGED, actorId, targetId,
				Map.of("from", target.tier().name(), "to", tier.name()));
		return UserView.of(changed);
	}

	private User promoteIfDue(User user, Instant now) {
		Tier tier = this.tierPolicy.tierFor(user.tier(), user.tierLocked(), user.createdAt(), user.questionsAsked(),
				now);
		if (tier == user.tier()) {
			return user;
		}
		User promoted = this.users.updateTier(user.id(), tier, false, now).orElseThrow(AccountService::accountGone);
		this.access.changed(promoted);
		logger.info("User " + user.id() + " promoted from " + user.tier() + " to " + tier);
		return promoted;
	}

	private Tokens startSession(User user, Client client) {
		return tokensFor(user, this.refreshTokens.issue(user.id(), user.securityVersion(), client));
	}

	private Tokens tokensFor(User user, RefreshTokenStore.Issued session) {
		IssuedAccessToken access = this.accessTokens.issue(user.id(), user.tier(), user.securityVersion(),
				session.sessionId());
		return new Tokens(UserView.of(user), access.token(), "Bearer", access.expiresIn(), session.token(),
				session.expiresIn().toSeconds());
	}

	/** A valid token of a user deleted since: nobody to answer for. */
	private static ApiException accountGone() {
		return new ApiException(ResultCode.INVALID_TOKEN, "the account no longer exists");
	}

	private static ApiException invalidRefreshToken() {
		return new ApiException(ResultCode.INVALID_REFRESH_TOKEN, "refresh token is invalid, expired or revoked");
	}

}

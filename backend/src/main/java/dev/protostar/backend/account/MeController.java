package dev.protostar.backend.account;

import java.util.List;
import java.util.UUID;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;

import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.account.AccountViews.Me;
import dev.protostar.backend.account.AccountViews.SessionView;
import dev.protostar.backend.account.AccountViews.Tokens;
import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

@RestController
@RequiresTier(Tier.GUEST)
class MeController {

	private final AccountService accounts;

	MeController(AccountService accounts) {
		this.accounts = accounts;
	}

	/** The caller's account as stored now (its tier may be newer than the token's). */
	@GetMapping("/api/me")
	ApiResponse<Me> me(@AuthenticationPrincipal AuthenticatedUser user) {
		return ApiResponse.ok(this.accounts.me(user.id()));
	}

	/**
	 * Changes the password. Every session and access token issued before is
	 * revoked (and the event streams closed); the answer is a new session for
	 * the caller, as from a login.
	 */
	@PostMapping(path = "/api/me/password", consumes = MediaType.APPLICATION_JSON_VALUE)
	ApiResponse<Tokens> changePassword(@AuthenticationPrincipal AuthenticatedUser user,
			@Valid @RequestBody AccountRequests.PasswordChange request, HttpServletRequest http) {
		return ApiResponse.ok(this.accounts.changePassword(user.id(), request, Client.of(http)));
	}

	/** The caller's sessions, the most recently used first; {@code current} marks the asking one. */
	@GetMapping("/api/me/sessions")
	ApiResponse<List<SessionView>> sessions(@AuthenticationPrincipal AuthenticatedUser user) {
		return ApiResponse.ok(this.accounts.sessions(user.id(), user.sessionId()));
	}

	/**
	 * Ends one of the caller's sessions at once. Every access token of the
	 * caller is revoked with it ({@code TOKEN_REVOKED}): the other sessions go
	 * on after a refresh.
	 */
	@DeleteMapping("/api/me/sessions/{id}")
	ApiResponse<Void> revokeSession(@AuthenticationPrincipal AuthenticatedUser user, @PathVariable UUID id) {
		this.accounts.revokeSession(user.id(), id);
		return ApiResponse.ok(null);
	}

}

package dev.protostar.backend.account;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.account.AccountViews.Tokens;
import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.security.PublicEndpoint;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

/**
 * Signup, the first admin's setup, login, refresh and logout: public, the credential is in the body (a
 * password or a refresh token), not in an access token. And "sign out
 * everywhere", which needs the user's access token.
 */
@RestController
@RequestMapping(path = "/api/auth", consumes = MediaType.APPLICATION_JSON_VALUE)
class AuthController {

	private final AccountService accounts;

	AuthController(AccountService accounts) {
		this.accounts = accounts;
	}

	@PublicEndpoint
	@PostMapping("/signup")
	@ResponseStatus(HttpStatus.CREATED)
	ApiResponse<Tokens> signup(@Valid @RequestBody AccountRequests.Signup request, HttpServletRequest http) {
		return ApiResponse.ok(this.accounts.signup(request, Client.of(http)));
	}

	/**
	 * Creates an ADMIN account with a one-time setup link's token
	 * ({@code protostar up}, {@code protostar admin reset-link}).
	 */
	@PublicEndpoint
	@PostMapping("/setup")
	@ResponseStatus(HttpStatus.CREATED)
	ApiResponse<Tokens> setup(@Valid @RequestBody AccountRequests.Setup request, HttpServletRequest http) {
		return ApiResponse.ok(this.accounts.setup(request, Client.of(http)));
	}

	@PublicEndpoint
	@PostMapping("/login")
	ApiResponse<Tokens> login(@Valid @RequestBody AccountRequests.Login request, HttpServletRequest http) {
		return ApiResponse.ok(this.accounts.login(request, Client.of(http)));
	}

	@PublicEndpoint
	@PostMapping("/refresh")
	ApiResponse<Tokens> refresh(@Valid @RequestBody AccountRequests.RefreshToken request, HttpServletRequest http) {
		return ApiResponse.ok(this.accounts.refresh(request.refreshToken(), Client.of(http)));
	}

	/** Idempotent: an unknown or already revoked token is logged out already. */
	@PublicEndpoint
	@PostMapping("/logout")
	ApiResponse<Void> logout(@Valid @RequestBody AccountRequests.RefreshToken request) {
		this.accounts.logout(request.refreshToken());
		return ApiResponse.ok(null);
	}

	/**
	 * Ends every session of the caller, this one included, and every access
	 * token issued so far; closes the caller's event streams. No body.
	 */
	@RequiresTier(Tier.GUEST)
	@PostMapping(path = "/logout-all", consumes = MediaType.ALL_VALUE)
	ApiResponse<Void> logoutAll(@AuthenticationPrincipal AuthenticatedUser user) {
		this.accounts.logoutAll(user.id());
		return ApiResponse.ok(null);
	}

}

package dev.protostar.backend.account;

import jakarta.validation.Valid;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.account.AccountViews.Tokens;
import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.security.PublicEndpoint;

/**
 * Signup, login, refresh and logout. All public: the credential is in the body
 * (a password or a refresh token), not in an access token.
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
	ApiResponse<Tokens> signup(@Valid @RequestBody AccountRequests.Signup request) {
		return ApiResponse.ok(this.accounts.signup(request));
	}

	@PublicEndpoint
	@PostMapping("/login")
	ApiResponse<Tokens> login(@Valid @RequestBody AccountRequests.Login request) {
		return ApiResponse.ok(this.accounts.login(request));
	}

	@PublicEndpoint
	@PostMapping("/refresh")
	ApiResponse<Tokens> refresh(@Valid @RequestBody AccountRequests.RefreshToken request) {
		return ApiResponse.ok(this.accounts.refresh(request.refreshToken()));
	}

	/** Idempotent: an unknown or already revoked token is logged out already. */
	@PublicEndpoint
	@PostMapping("/logout")
	ApiResponse<Void> logout(@Valid @RequestBody AccountRequests.RefreshToken request) {
		this.accounts.logout(request.refreshToken());
		return ApiResponse.ok(null);
	}

}

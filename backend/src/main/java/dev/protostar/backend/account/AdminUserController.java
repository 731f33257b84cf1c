package dev.protostar.backend.account;

import java.util.UUID;

import jakarta.validation.Valid;

import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.account.AccountViews.UserView;
import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

@RestController
class AdminUserController {

	private final AccountService accounts;

	AdminUserController(AccountService accounts) {
		this.accounts = accounts;
	}

	/**
	 * Promotes or demotes a user, taking effect at the user's next request; a
	 * demotion also closes the user's event streams. 409 for demoting oneself
	 * or the last admin.
	 */
	@RequiresTier(Tier.ADMIN)
	@PatchMapping(path = "/api/admin/users/{id}/tier", consumes = MediaType.APPLICATION_JSON_VALUE)
	ApiResponse<UserView> changeTier(@AuthenticationPrincipal AuthenticatedUser admin, @PathVariable UUID id,
			@Valid @RequestBody AccountRequests.TierChange request) {
		return ApiResponse.ok(this.accounts.changeTier(admin.id(), id, request.tier()));
	}

	/**
	 * Ends every session of a user and every access token issued so far, and
	 * closes the user's event streams; the user must sign in again.
	 */
	@RequiresTier(Tier.ADMIN)
	@DeleteMapping("/api/admin/users/{id}/sessions")
	ApiResponse<Void> revokeSessions(@AuthenticationPrincipal AuthenticatedUser admin, @PathVariable UUID id) {
		this.accounts.revokeSessionsOf(admin.id(), id);
		return ApiResponse.ok(null);
	}

}

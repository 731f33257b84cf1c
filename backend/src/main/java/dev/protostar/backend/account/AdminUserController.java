package dev.protostar.backend.account;

import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.account.AccountViews.CountedPage;
import dev.protostar.backend.account.AccountViews.UserSummary;
import dev.protostar.backend.account.AccountViews.UserView;
import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

@RestController
class AdminUserController {

	private final AccountService accounts;

	private final UserDirectory directory;

	AdminUserController(AccountService accounts, UserDirectory directory) {
		this.accounts = accounts;
		this.directory = directory;
	}

	/** Users, the newest accounts first; {@code q} matches part of the e-mail or the name. */
	@RequiresTier(Tier.ADMIN)
	@GetMapping("/api/admin/users")
	ApiResponse<CountedPage<UserSummary>> list(
			@RequestParam(required = false) @Size(max = 200, message = "must be at most 200 characters")
			@Pattern(regexp = "[^\\p{Cntrl}]*", message = "must not contain control characters") String q,
			@RequestParam(required = false) Tier tier,
			@RequestParam(defaultValue = "0") @Min(0) @Max(10_000) int page,
			@RequestParam(defaultValue = "20") @Min(1) @Max(100) int size) {
		return ApiResponse.ok(this.directory.search(q, tier, page, size));
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

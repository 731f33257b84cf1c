package dev.protostar.backend.account;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.account.AccountViews.Me;
import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

@RestController
class MeController {

	private final AccountService accounts;

	MeController(AccountService accounts) {
		this.accounts = accounts;
	}

	/** The caller's account as stored now (its tier may be newer than the token's). */
	@RequiresTier(Tier.GUEST)
	@GetMapping("/api/me")
	ApiResponse<Me> me(@AuthenticationPrincipal AuthenticatedUser user) {
		return ApiResponse.ok(this.accounts.me(user.id()));
	}

}

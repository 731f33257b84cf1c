package dev.protostar.backend.account;

import java.util.List;
import java.util.UUID;

import jakarta.validation.Valid;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.account.AccountViews.CreatedInvite;
import dev.protostar.backend.account.AccountViews.InviteView;
import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

/** Signup invites: single use, for one address or anyone, never for ADMIN. */
@RestController
class AdminInviteController {

	private final InviteService invites;

	AdminInviteController(InviteService invites) {
		this.invites = invites;
	}

	@RequiresTier(Tier.ADMIN)
	@PostMapping(path = "/api/admin/invites", consumes = MediaType.APPLICATION_JSON_VALUE)
	@ResponseStatus(HttpStatus.CREATED)
	ApiResponse<CreatedInvite> create(@AuthenticationPrincipal AuthenticatedUser admin,
			@Valid @RequestBody AccountRequests.InviteCreation request) {
		return ApiResponse.ok(this.invites.create(admin.id(), request));
	}

	/** Newest first: used, expired and open ones alike. */
	@RequiresTier(Tier.ADMIN)
	@GetMapping("/api/admin/invites")
	ApiResponse<List<InviteView>> list() {
		return ApiResponse.ok(this.invites.list());
	}

	/** Withdraws an invite (or removes a used one from the list). */
	@RequiresTier(Tier.ADMIN)
	@DeleteMapping("/api/admin/invites/{id}")
	ApiResponse<Void> delete(@AuthenticationPrincipal AuthenticatedUser admin, @PathVariable UUID id) {
		this.invites.delete(admin.id(), id);
		return ApiResponse.ok(null);
	}

}

package dev.protostar.backend.audit;

import java.time.Instant;
import java.util.UUID;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.audit.AuditViews.AuditEventView;
import dev.protostar.backend.audit.AuditViews.AuditQuery;
import dev.protostar.backend.audit.AuditViews.Page;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

@RestController
@RequiresTier(Tier.ADMIN)
class AuditController {

	private final AuditLog audit;

	AuditController(AuditLog audit) {
		this.audit = audit;
	}

	/**
	 * Security events, newest first. {@code user} matches the actor or the subject;
	 * {@code from} (inclusive) and {@code to} (exclusive) are ISO-8601 instants.
	 */
	@GetMapping("/api/admin/audit")
	ApiResponse<Page<AuditEventView>> find(@RequestParam(required = false) UUID user,
			@RequestParam(required = false) AuditAction action, @RequestParam(required = false) Instant from,
			@RequestParam(required = false) Instant to,
			@RequestParam(defaultValue = "0") @Min(0) @Max(10_000) int page,
			@RequestParam(defaultValue = "50") @Min(1) @Max(200) int size) {
		if (from != null && to != null && !from.isBefore(to)) {
			throw new ApiException(ResultCode.VALIDATION_FAILED, "from: must be before to");
		}
		return ApiResponse.ok(this.audit.find(new AuditQuery(user, action, from, to), page, size));
	}

}

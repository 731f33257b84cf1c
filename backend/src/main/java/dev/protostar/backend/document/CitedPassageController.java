package dev.protostar.backend.document;

import java.util.UUID;

import jakarta.validation.constraints.Min;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.document.DocumentViews.ChunkView;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

/** The passage behind a citation's {@code [n]}, for every tier (see {@link CitedPassages}). */
@RestController
@RequiresTier(Tier.GUEST)
class CitedPassageController {

	private final CitedPassages passages;

	CitedPassageController(CitedPassages passages) {
		this.passages = passages;
	}

	/** The chunk as ingested, with its document's title; 404 when missing or not readable at the caller's tier. */
	@GetMapping("/api/documents/{documentId}/chunks/{chunkIndex}")
	ApiResponse<ChunkView> chunk(@AuthenticationPrincipal AuthenticatedUser reader, @PathVariable UUID documentId,
			@PathVariable @Min(0) int chunkIndex) {
		return ApiResponse.ok(this.passages.chunk(reader, documentId, chunkIndex));
	}

}

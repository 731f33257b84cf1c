package dev.protostar.backend.document;

import java.util.Map;
import java.util.UUID;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.document.DocumentViews.DocumentView;
import dev.protostar.backend.document.DocumentViews.IngestionQueued;
import dev.protostar.backend.document.DocumentViews.Page;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;
import dev.protostar.contract.access.DocumentAccess;

/**
 * The documents answers are drawn from: admins upload, list, reindex and delete
 * them; the ai-worker ingests each upload (status waiting → parsing → embedding
 * → ready, or failed with the reason).
 */
@RestController
@RequiresTier(Tier.ADMIN)
class DocumentController {

	private final DocumentService documents;

	DocumentController(DocumentService documents) {
		this.documents = documents;
	}

	/**
	 * Uploads a document (multipart: {@code file}, optional {@code title} and
	 * {@code access}): 201 with the document, waiting for its ingestion job.
	 */
	@PostMapping(path = DocumentConfiguration.UPLOAD_PATH, consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	ResponseEntity<ApiResponse<IngestionQueued>> upload(@AuthenticationPrincipal AuthenticatedUser admin,
			@RequestPart(name = "file", required = false) MultipartFile file,
			@RequestParam(name = "title", required = false) String title,
			@RequestParam(name = "access", defaultValue = "INTERNAL") DocumentAccess access) {
		IngestionQueued queued = this.documents.upload(admin, file, title, access);
		return ResponseEntity.status(HttpStatus.CREATED).body(ApiResponse.ok(queued));
	}

	/** Every document, newest first, optionally only those of one status. */
	@GetMapping("/api/admin/documents")
	ApiResponse<Page<DocumentView>> list(
			@RequestParam(required = false) @Pattern(regexp = "waiting|parsing|embedding|ready|failed",
					message = "must be one of waiting, parsing, embedding, ready, failed") String status,
			@RequestParam(defaultValue = "0") @Min(0) @Max(10_000) int page,
			@RequestParam(defaultValue = "20") @Min(1) @Max(100) int size) {
		return ApiResponse.ok(this.documents.list(status, page, size));
	}

	@GetMapping("/api/admin/documents/{id}")
	ApiResponse<DocumentView> get(@PathVariable UUID id) {
		return ApiResponse.ok(this.documents.find(id));
	}

	/** Ingests the document again (a new job); 409 while its current job is queued or running. */
	@PostMapping("/api/admin/documents/{id}/reindex")
	ResponseEntity<ApiResponse<IngestionQueued>> reindex(@AuthenticationPrincipal AuthenticatedUser admin,
			@PathVariable UUID id) {
		return ResponseEntity.status(HttpStatus.ACCEPTED).body(ApiResponse.ok(this.documents.reindex(admin, id)));
	}

	/** Deletes the document, its chunks and its file. */
	@DeleteMapping("/api/admin/documents/{id}")
	ApiResponse<Map<String, UUID>> delete(@AuthenticationPrincipal AuthenticatedUser admin, @PathVariable UUID id) {
		this.documents.delete(admin, id);
		return ApiResponse.ok(Map.of("id", id));
	}

}

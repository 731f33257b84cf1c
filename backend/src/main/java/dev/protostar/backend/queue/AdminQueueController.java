package dev.protostar.backend.queue;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.queue.QueueViews.DeadLetters;
import dev.protostar.backend.queue.QueueViews.QueueStats;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

/** The job queue for admins: what {@code protostar jobs stats} and {@code dlq list|replay} do. */
@RestController
@RequiresTier(Tier.ADMIN)
class AdminQueueController {

	private final QueueInspector queue;

	AdminQueueController(QueueInspector queue) {
		this.queue = queue;
	}

	@GetMapping("/api/admin/queue")
	ApiResponse<QueueStats> stats() {
		return ApiResponse.ok(this.queue.stats());
	}

	/** The newest dead jobs first. */
	@GetMapping("/api/admin/queue/dead-letters")
	ApiResponse<DeadLetters> deadLetters(@RequestParam(defaultValue = "20") @Min(1) @Max(500) int limit) {
		return ApiResponse.ok(this.queue.deadLetters(limit));
	}

	/** Puts a dead job back in the queue with all its attempts again; 404 when no such dead job. */
	@PostMapping("/api/admin/queue/dead-letters/{id}/replay")
	ApiResponse<Void> replay(@PathVariable String id) {
		this.queue.replay(id);
		return ApiResponse.ok(null);
	}

}

package dev.protostar.worker.queue;

import java.util.Map;

import dev.protostar.contract.queue.JobEvents;

/**
 * What a handler gets besides its job: a way to tell the user how it goes. Events go to the user named by the payload's {@code userId}; a job without one
 * publishes nothing.
 */
public final class JobContext {

	private final Job job;

	private final JobEvents events;

	private final String userId;

	JobContext(Job job, JobEvents events) {
		this.job = job;
		this.events = events;
		this.userId = job.userIdOrNull();
	}

	public Job job() {
		return this.job;
	}

	/** A progress event, e.g. {@code progress(Map.of("stage", "embedding", "done", 40, "total", 120))}. */
	public void progress(Map<String, ?> data) {
		event("progress", data);
	}

	/** One piece of a streamed answer. */
	public void token(String text) {
		event("token", Map.of("text", text));
	}

	/**
	 * The {@code completed} event for complete.lua to publish in the same step as the
	 * completion; null when the job has no user to tell.
	 */
	JobEvents.Addressed completedEvent(Map<String, ?> data) {
		return (this.userId != null) ? this.events.address(this.userId, this.job.id(), data) : null;
	}

	/** Any event; its name becomes the SSE event name. */
	public void event(String name, Map<String, ?> data) {
		if (this.userId != null) {
			this.events.publish(this.userId, this.job.id(), name, data);
		}
	}

}

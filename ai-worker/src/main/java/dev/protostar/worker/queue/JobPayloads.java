package dev.protostar.worker.queue;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.protostar.contract.access.DocumentAccess;
import dev.protostar.contract.queue.QueueKeys;

/**
 * Reads job payloads (schemas in QUEUE.md). Anything a retry cannot fix — not JSON, a
 * version this worker does not know, a missing field — is a
 * {@link NonRetryableJobException}. Unknown fields are ignored, so producers can add
 * fields without a version bump.
 */
public final class JobPayloads {

	/** The payload version this worker reads. */
	public static final int VERSION = 1;

	static final JsonMapper JSON = JsonMapper.builder().build();

	private JobPayloads() {
	}

	/** The payload as a JSON object of a supported version whose jobId is the job's id. */
	public static JsonNode parse(Job job) {
		JsonNode node;
		try {
			node = JSON.readTree(job.payload() == null ? "" : job.payload());
		}
		catch (JacksonException ex) {
			throw new NonRetryableJobException("payload of job " + job.id() + " is not JSON: " + ex.getOriginalMessage());
		}
		if (node == null || !node.isObject()) {
			throw new NonRetryableJobException("payload of job " + job.id() + " is not a JSON object");
		}
		JsonNode v = node.get("v");
		if (v == null || !v.isInt() || v.asInt() != VERSION) {
			throw new NonRetryableJobException("payload of job " + job.id() + " has version " + v
					+ ", this worker reads v=" + VERSION);
		}
		String jobId = required(node, "jobId", job);
		if (!jobId.equals(job.id())) {
			throw new NonRetryableJobException(
					"payload of job " + job.id() + " names another job id '" + jobId + "'");
		}
		return node;
	}

	public static ChatJob chat(Job job) {
		JsonNode node = parse(job);
		String userId = userId(node, job);
		String role = required(node, "role", job);
		String conversationId = required(node, "conversationId", job);
		String message = required(node, "message", job);
		return new ChatJob(job.id(), userId, role, documentAccess(node, role, job), conversationId, message,
				optional(node, "traceId"));
	}

	/**
	 * The documents the asker may read: the payload's {@code documentAccess} (the backend
	 * computes it from its tier limits), or, when a producer sends none, the level each
	 * tier has by default. A value this worker does not know is refused rather than
	 * guessed: guessing high leaks documents, guessing low answers wrongly without a word.
	 */
	private static DocumentAccess documentAccess(JsonNode node, String role, Job job) {
		JsonNode value = node.get("documentAccess");
		if (value != null && !value.isNull()) {
			return DocumentAccess.named(value.isString() ? value.asString() : null)
				.orElseThrow(() -> new NonRetryableJobException("payload of job " + job.id()
						+ " has an unknown documentAccess " + value + " (expected PUBLIC, INTERNAL or CONFIDENTIAL)"));
		}
		return DocumentAccess.defaultForRole(role)
			.orElseThrow(() -> new NonRetryableJobException("payload of job " + job.id() + " has no documentAccess"
					+ " and an unknown role '" + role + "' to derive it from (GUEST, STARGAZER, PROTOSTAR or ADMIN)"));
	}

	public static IngestionJob ingestion(Job job) {
		JsonNode node = parse(job);
		// userId is optional here (QUEUE.md): jobs the worker enqueues itself, e.g. re-embeds
		// after a model switch, have no user to tell.
		String userId = optional(node, "userId");
		return new IngestionJob(job.id(), required(node, "documentId", job),
				(userId != null) ? userId(node, job) : null, optional(node, "traceId"));
	}

	/** The user to send this job's events to, or null when the payload names none. */
	static String userIdOrNull(Job job) {
		try {
			String userId = optional(parse(job), "userId");
			return QueueKeys.isId(userId) ? userId : null;
		}
		catch (NonRetryableJobException ex) {
			return null;
		}
	}

	private static String userId(JsonNode node, Job job) {
		String userId = required(node, "userId", job);
		if (!QueueKeys.isId(userId)) {
			throw new NonRetryableJobException("payload of job " + job.id() + " has a malformed userId");
		}
		return userId;
	}

	private static String required(JsonNode node, String field, Job job) {
		String value = optional(node, field);
		if (value == null || value.isBlank()) {
			throw new NonRetryableJobException(
					"payload of job " + job.id() + " lacks \"" + field + "\" (a non-empty string)");
		}
		return value;
	}

	private static String optional(JsonNode node, String field) {
		JsonNode value = node.get(field);
		return (value != null && value.isString()) ? value.asString() : null;
	}

}

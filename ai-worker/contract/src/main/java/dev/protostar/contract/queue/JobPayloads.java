package dev.protostar.contract.queue;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.protostar.contract.access.DocumentAccess;

/**
 * Writes and reads job payloads, JSON of version {@value #VERSION} (schemas in
 * ai-worker/QUEUE.md): the one place that knows their fields, for the producers (the
 * backend; a worker for its re-embeds) and the consumer (the worker).
 * <p>
 * Writing: the fields in the documented order, {@code "v": 1} first; an optional field
 * without a value is left out. Reading: anything a retry cannot fix (not JSON, another
 * version, a missing or empty required field, another job's id) is an
 * {@link InvalidPayloadException}. Unknown fields are ignored, so producers can add
 * fields without a version bump.
 */
public final class JobPayloads {

	/** The payload version written and read. */
	public static final int VERSION = 1;

	static final JsonMapper JSON = JsonMapper.builder().build();

	private JobPayloads() {
	}

	public static String write(ChatJobPayload job) {
		ObjectNode node = start(job.jobId());
		node.put("userId", job.userId());
		node.put("role", job.role());
		node.put("documentAccess", job.documentAccess().name());
		node.put("conversationId", job.conversationId());
		node.put("message", job.message());
		putIfPresent(node, "traceId", job.traceId());
		return JSON.writeValueAsString(node);
	}

	public static String write(IngestionJobPayload job) {
		ObjectNode node = start(job.jobId());
		node.put("documentId", job.documentId());
		putIfPresent(node, "userId", job.userId());
		putIfPresent(node, "traceId", job.traceId());
		return JSON.writeValueAsString(node);
	}

	/**
	 * A chat job's payload. The asker's {@code documentAccess} is the payload's, or, when a
	 * producer sent none (an older release did not), the level the {@code role} has by
	 * default. A value not known here is refused rather than guessed: guessing high leaks
	 * documents, guessing low answers wrongly without a word.
	 * @param jobId the id the job was enqueued with
	 * @throws InvalidPayloadException when the payload cannot be read
	 */
	public static ChatJobPayload readChat(String jobId, String payload) {
		JsonNode node = parse(jobId, payload);
		String userId = userId(node, jobId);
		String role = required(node, "role", jobId);
		String conversationId = required(node, "conversationId", jobId);
		String message = required(node, "message", jobId);
		return new ChatJobPayload(jobId, userId, role, documentAccess(node, role, jobId), conversationId, message,
				optional(node, "traceId"));
	}

	/**
	 * An ingestion job's payload; its {@code userId} is optional (jobs a worker enqueues
	 * itself have no user to tell).
	 * @param jobId the id the job was enqueued with
	 * @throws InvalidPayloadException when the payload cannot be read
	 */
	public static IngestionJobPayload readIngestion(String jobId, String payload) {
		JsonNode node = parse(jobId, payload);
		String documentId = required(node, "documentId", jobId);
		String userId = (optional(node, "userId") != null) ? userId(node, jobId) : null;
		return new IngestionJobPayload(jobId, documentId, userId, optional(node, "traceId"));
	}

	/** The user to send a job's events to, or null when the payload names none (or is unreadable). */
	public static String userIdOrNull(String jobId, String payload) {
		return idOrNull(jobId, payload, "userId");
	}

	/**
	 * The id of the request that enqueued the job (the backend's {@code X-Request-Id}),
	 * for the worker's log lines; null when the payload has none (jobs a worker enqueues
	 * itself), is unreadable, or holds something other than a plain id: it is written
	 * into log lines as it is, so it must not be able to break one.
	 */
	public static String traceIdOrNull(String jobId, String payload) {
		return idOrNull(jobId, payload, "traceId");
	}

	/** The field's value when it is a well-formed id ({@link QueueKeys#isId}), else null. */
	private static String idOrNull(String jobId, String payload, String field) {
		try {
			String id = optional(parse(jobId, payload), field);
			return QueueKeys.isId(id) ? id : null;
		}
		catch (InvalidPayloadException ex) {
			return null;
		}
	}

	private static ObjectNode start(String jobId) {
		ObjectNode node = JSON.createObjectNode();
		node.put("v", VERSION);
		node.put("jobId", jobId);
		return node;
	}

	private static void putIfPresent(ObjectNode node, String field, String value) {
		if (value != null) {
			node.put(field, value);
		}
	}

	/** The payload as a JSON object of a supported version whose jobId is the job's id. */
	private static JsonNode parse(String jobId, String payload) {
		JsonNode node;
		try {
			node = JSON.readTree((payload != null) ? payload : "");
		}
		catch (JacksonException ex) {
			throw invalid(jobId, "is not JSON: " + ex.getOriginalMessage());
		}
		if (node == null || !node.isObject()) {
			throw invalid(jobId, "is not a JSON object");
		}
		JsonNode v = node.get("v");
		if (v == null || !v.isInt() || v.asInt() != VERSION) {
			throw invalid(jobId, "has version " + v + ", this worker reads v=" + VERSION);
		}
		String named = required(node, "jobId", jobId);
		if (!named.equals(jobId)) {
			throw invalid(jobId, "names another job id '" + named + "'");
		}
		return node;
	}

	private static DocumentAccess documentAccess(JsonNode node, String role, String jobId) {
		JsonNode value = node.get("documentAccess");
		if (value != null && !value.isNull()) {
			return DocumentAccess.named(value.isString() ? value.asString() : null)
				.orElseThrow(() -> invalid(jobId,
						"has an unknown documentAccess " + value + " (expected PUBLIC, INTERNAL or CONFIDENTIAL)"));
		}
		return DocumentAccess.defaultForRole(role)
			.orElseThrow(() -> invalid(jobId, "has no documentAccess and an unknown role '" + role
					+ "' to derive it from (GUEST, STARGAZER, PROTOSTAR or ADMIN)"));
	}

	private static String userId(JsonNode node, String jobId) {
		String userId = required(node, "userId", jobId);
		if (!QueueKeys.isId(userId)) {
			throw invalid(jobId, "has a malformed userId");
		}
		return userId;
	}

	private static String required(JsonNode node, String field, String jobId) {
		String value = optional(node, field);
		if (value == null || value.isBlank()) {
			throw invalid(jobId, "lacks \"" + field + "\" (a non-empty string)");
		}
		return value;
	}

	private static String optional(JsonNode node, String field) {
		JsonNode value = node.get(field);
		return (value != null && value.isString()) ? value.asString() : null;
	}

	private static InvalidPayloadException invalid(String jobId, String problem) {
		return new InvalidPayloadException("payload of job " + jobId + " " + problem);
	}

}

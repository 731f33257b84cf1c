package dev.protostar.backend.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Service;

import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.queue.QueueViews.DeadLetter;
import dev.protostar.backend.queue.QueueViews.DeadLetters;
import dev.protostar.backend.queue.QueueViews.QueueStats;
import dev.protostar.backend.queue.QueueViews.TypeStats;
import dev.protostar.contract.queue.ChatJobPayload;
import dev.protostar.contract.queue.IngestionJobPayload;
import dev.protostar.contract.queue.QueueKeys;
import dev.protostar.contract.queue.QueueScripts;

/**
 * What {@code protostar jobs} shows and does, for the admins' pages: the same
 * Lua scripts of the contract module (stats, dlq-list, replay), so both read
 * and change the queue alike and no key name is spelt twice. Redis being away
 * is a 503, as everywhere a request needs it.
 */
@Service
class QueueInspector {

	/** The job types, in the worker's priority order (its {@code protostar.queue.types}). */
	static final List<String> TYPES = List.of(ChatJobPayload.TYPE, IngestionJobPayload.TYPE);

	private static final Log logger = LogFactory.getLog(QueueInspector.class);

	private final StringRedisTemplate redis;

	private final String prefix;

	QueueInspector(StringRedisTemplate redis, QueueClientProperties properties) {
		this.redis = redis;
		this.prefix = properties.keys().prefix();
	}

	QueueStats stats() {
		List<?> reply = redis(() -> {
			List<String> args = new ArrayList<>();
			args.add(this.prefix);
			args.addAll(TYPES);
			return this.redis.execute(QueueScripts.STATS, List.of(), args.toArray());
		});
		Map<String, Long> value = new HashMap<>();
		for (int i = 0; i + 1 < reply.size(); i += 2) {
			value.put(reply.get(i).toString(), Long.parseLong(reply.get(i + 1).toString()));
		}
		Map<String, TypeStats> byType = new LinkedHashMap<>();
		long waiting = 0;
		long oldestMillis = -1;
		for (String type : TYPES) {
			long typeWaiting = value.getOrDefault("waiting:" + type, 0L);
			long typeOldest = value.getOrDefault("oldest-age-ms:" + type, -1L);
			byType.put(type, new TypeStats(typeWaiting, Math.max(0, typeOldest) / 1000));
			waiting += typeWaiting;
			oldestMillis = Math.max(oldestMillis, typeOldest);
		}
		return new QueueStats(waiting, value.getOrDefault("active", 0L), value.getOrDefault("delayed", 0L),
				value.getOrDefault("dead", 0L), Math.max(0, oldestMillis) / 1000, byType);
	}

	/** The newest dead jobs first, at most {@code limit}. */
	DeadLetters deadLetters(int limit) {
		List<?> reply = redis(() -> this.redis.execute(QueueScripts.DLQ_LIST, List.of(), this.prefix,
				Integer.toString(limit)));
		long total = Long.parseLong(reply.get(0).toString());
		List<DeadLetter> items = new ArrayList<>();
		// dlq-list.lua: id, type, attempts, maxAttempts, failedAt (ms), lastError ('-' when none)
		for (int i = 1; i + 5 < reply.size(); i += 6) {
			String id = reply.get(i).toString();
			String error = reply.get(i + 5).toString();
			Long failedAt = number(reply.get(i + 4));
			items.add(new DeadLetter(id, id, reply.get(i + 1).toString(),
					(failedAt != null) ? Instant.ofEpochMilli(failedAt) : null, "-".equals(error) ? null : error,
					integer(reply.get(i + 2)), integer(reply.get(i + 3))));
		}
		return new DeadLetters(items, total);
	}

	/** Puts a dead job back in its waiting list with all its attempts again; 404 when it is not dead. */
	void replay(String jobId) {
		if (!QueueKeys.isId(jobId)) {
			throw notDead();
		}
		Long replayed = redis(() -> this.redis.execute(QueueScripts.REPLAY, List.of(), this.prefix, jobId));
		if (replayed == null || replayed != 1L) {
			throw notDead();
		}
		logger.info("Dead job " + jobId + " replayed by an admin");
	}

	private static <T> T redis(Supplier<T> call) {
		try {
			return call.get();
		}
		catch (DataAccessException ex) {
			logger.warn("The queue cannot be read: " + ex);
			throw new ApiException(ResultCode.SERVICE_UNAVAILABLE, "the job queue cannot be reached right now", 5L);
		}
	}

	private static ApiException notDead() {
		return new ApiException(ResultCode.NOT_FOUND, "no such job in the dead-letter store");
	}

	private static Long number(Object value) {
		try {
			return Long.parseLong(value.toString());
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private static Integer integer(Object value) {
		Long number = number(value);
		return (number != null) ? number.intValue() : null;
	}

}

package dev.protostar.contract.queue;

import java.util.List;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The queue's Lua scripts (classpath {@code queue/<name>.lua}, in this module): every
 * state change of a job is one of them, so a job is never in two places or none. Each
 * takes no KEYS and the queue prefix as ARGV[1], except {@code publish-event}; what
 * they take and return is in ai-worker/QUEUE.md, "Scripts". {@code protostar jobs} runs
 * the same files with redis-cli.
 * <p>
 * Run them through {@code StringRedisTemplate}, which sends EVALSHA and falls back to
 * EVAL when Redis answers NOSCRIPT (its script cache is empty after a restart). A
 * pipeline cannot fall back, so one sends EVAL with {@link RedisScript#getScriptAsString()}
 * (the worker's complete-and-claim).
 */
@SuppressWarnings("rawtypes")
public final class QueueScripts {

	public static final RedisScript<Long> ENQUEUE = load("enqueue", Long.class);

	public static final RedisScript<List> CLAIM = load("claim", List.class);

	public static final RedisScript<List> EXTEND = load("extend", List.class);

	public static final RedisScript<List> COMPLETE = load("complete", List.class);

	public static final RedisScript<Long> FAIL = load("fail", Long.class);

	public static final RedisScript<Long> RELEASE = load("release", Long.class);

	public static final RedisScript<List> MAINTAIN = load("maintain", List.class);

	public static final RedisScript<List> STATS = load("stats", List.class);

	public static final RedisScript<List> DLQ_LIST = load("dlq-list", List.class);

	public static final RedisScript<Long> REPLAY = load("replay", Long.class);

	public static final RedisScript<Long> PURGE = load("purge", Long.class);

	public static final RedisScript<String> PUBLISH_EVENT = load("publish-event", String.class);

	private QueueScripts() {
	}

	private static <T> RedisScript<T> load(String name, Class<T> type) {
		return RedisScript.of(new ClassPathResource("queue/" + name + ".lua", QueueScripts.class.getClassLoader()),
				type);
	}

}

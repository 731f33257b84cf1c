package dev.protostar.contract.queue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import org.springframework.core.io.ClassPathResource;

/**
 * The payload fixtures ({@code src/test/resources/payloads}, see its README), for the
 * contract's tests and, through the test jar, the applications'.
 */
public final class PayloadFixtures {

	/** A chat payload as the backend writes it. */
	public static final String CHAT = "chat-v1.json";

	/** A chat payload of a release that did not send {@code documentAccess} yet. */
	public static final String CHAT_WITHOUT_DOCUMENT_ACCESS = "chat-v1-without-document-access.json";

	/** An ingestion payload as the backend writes it. */
	public static final String INGESTION = "ingestion-v1.json";

	/** An ingestion payload as a worker writes it for a re-embed. */
	public static final String INGESTION_REEMBED = "ingestion-v1-reembed.json";

	private PayloadFixtures() {
	}

	/** The fixture's JSON, without the file's final line break. */
	public static String read(String name) {
		try {
			return new ClassPathResource("payloads/" + name, PayloadFixtures.class.getClassLoader())
				.getContentAsString(StandardCharsets.UTF_8)
				.stripTrailing();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The {@code jobId} a fixture names. */
	public static String jobId(String name) {
		return JobPayloads.JSON.readTree(read(name)).get("jobId").asString();
	}

}

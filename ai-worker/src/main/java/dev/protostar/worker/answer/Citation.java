package dev.protostar.worker.answer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A passage an answer cites as {@code [n]}: stored in the answer's metadata and sent
 * in the {@code answer} event as
 * {@code {"n", "documentId", "title", "chunkIndex", "quote"}}.
 *
 * @param quote a short excerpt of the passage (the sentence quoted, for offline answers)
 */
public record Citation(int n, UUID documentId, String title, int chunkIndex, String quote) {

	public Map<String, Object> toMap() {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("n", this.n);
		map.put("documentId", this.documentId.toString());
		map.put("title", this.title);
		map.put("chunkIndex", this.chunkIndex);
		map.put("quote", this.quote);
		return map;
	}

}

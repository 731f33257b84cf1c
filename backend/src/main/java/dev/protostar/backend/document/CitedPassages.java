package dev.protostar.backend.document;

import java.util.UUID;

import org.springframework.stereotype.Service;

import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.document.DocumentViews.ChunkView;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.tier.TierProperties;
import dev.protostar.contract.access.DocumentAccess;

/**
 * The passages answers cite, for the reader who opens a citation. A reader
 * sees what a question of theirs could be answered from now: the documents
 * of their current tier's access level (as a chat job's payload carries
 * it), not the level of whoever asked or of the token's tier. Missing and
 * forbidden look alike, so an id cannot be probed for a document's existence.
 */
@Service
class CitedPassages {

	private final DocumentRepository documents;

	private final TierProperties tiers;

	CitedPassages(DocumentRepository documents, TierProperties tiers) {
		this.documents = documents;
		this.tiers = tiers;
	}

	ChunkView chunk(AuthenticatedUser reader, UUID documentId, int chunkIndex) {
		DocumentAccess access = this.tiers.limitsOf(reader.tier()).documentAccess();
		return this.documents.chunk(documentId, chunkIndex, access.visible())
			.orElseThrow(() -> new ApiException(ResultCode.NOT_FOUND, "no such passage"));
	}

}

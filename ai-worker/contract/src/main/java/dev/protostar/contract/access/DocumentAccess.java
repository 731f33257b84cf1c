package dev.protostar.contract.access;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Which documents answers may draw on, in ascending order; each level includes the
 * ones below it. A document gets its level at upload ({@code documents.access_level});
 * a tier grants one (the backend's {@code protostar.tiers.<tier>.document-access}),
 * which travels in a chat job's payload as {@code documentAccess}.
 */
public enum DocumentAccess {

	PUBLIC, INTERNAL, CONFIDENTIAL;

	/** The levels a reader granted this one may see: itself and every level below. */
	public List<DocumentAccess> visible() {
		return Arrays.asList(values()).subList(0, ordinal() + 1);
	}

	/** The level of this exact name ({@code PUBLIC}, not {@code public}), if there is one. */
	public static Optional<DocumentAccess> named(String name) {
		for (DocumentAccess access : values()) {
			if (access.name().equals(name)) {
				return Optional.of(access);
			}
		}
		return Optional.empty();
	}

	/**
	 * The level a tier has by default, by the tier's name as a chat payload's {@code role}
	 * carries it ({@code GUEST}, {@code STARGAZER}, {@code PROTOSTAR}, {@code ADMIN}); empty
	 * for any other name. The backend configures each tier's level (its defaults are
	 * these) and sends it with every job; a worker falls back on this only for a payload
	 * without one, e.g. one enqueued by a release that did not send it yet.
	 */
	public static Optional<DocumentAccess> defaultForRole(String role) {
		return Optional.ofNullable(switch (role) {
			case "GUEST" -> PUBLIC;
			case "STARGAZER" -> INTERNAL;
			case "PROTOSTAR", "ADMIN" -> CONFIDENTIAL;
			case null, default -> null;
		});
	}

}

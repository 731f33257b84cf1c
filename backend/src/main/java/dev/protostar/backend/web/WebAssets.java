package dev.protostar.backend.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The web app's files (classpath {@code web/}) and the browser libraries from
 * their WebJars, under one content-hashed prefix: {@code /assets/<hash>/}. The
 * hash covers every file and the library versions, so a changed file gets a new
 * URL and browsers may keep each URL for a year. Two builds with the same
 * version number but different files (a snapshot rebuilt) still differ here.
 *
 * @param hash the first 12 hex digits of the SHA-256 over the files' names and bytes
 * @param index {@code index.html} with its asset URLs pointing at this hash
 */
record WebAssets(String hash, String index) {

	static final String PREFIX = "/assets/";

	/** Written in {@code index.html} where the versioned prefix belongs. */
	private static final String PLACEHOLDER = "{{assets}}";

	static WebAssets load(ClassLoader classLoader, String libraryVersions) {
		try {
			Resource[] files = new PathMatchingResourcePatternResolver(classLoader)
				.getResources("classpath:/web/**/*.*");
			Arrays.sort(files, Comparator.comparing(WebAssets::path));
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			digest.update(libraryVersions.getBytes(StandardCharsets.UTF_8));
			String index = null;
			for (Resource file : files) {
				byte[] bytes;
				try (InputStream in = file.getInputStream()) {
					bytes = in.readAllBytes();
				}
				digest.update(path(file).getBytes(StandardCharsets.UTF_8));
				digest.update(bytes);
				if (path(file).endsWith("/web/index.html")) {
					index = new String(bytes, StandardCharsets.UTF_8);
				}
			}
			if (index == null) {
				throw new IllegalStateException("web/index.html is missing from the classpath");
			}
			String hash = HexFormat.of().formatHex(digest.digest()).substring(0, 12);
			return new WebAssets(hash, index.replace(PLACEHOLDER, PREFIX + hash));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String path(Resource resource) {
		try {
			return resource.getURL().toString().replaceFirst("^.*?/web/", "/web/");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}

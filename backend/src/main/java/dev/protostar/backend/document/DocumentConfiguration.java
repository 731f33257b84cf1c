package dev.protostar.backend.document;

import jakarta.servlet.MultipartConfigElement;

import io.minio.MinioClient;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.servlet.MultipartConfigFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import dev.protostar.backend.request.RequestBodyLimit;
import dev.protostar.contract.storage.MinioClients;
import dev.protostar.contract.storage.StorageProperties;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(StorageProperties.class)
class DocumentConfiguration {

	static final String UPLOAD_PATH = "/api/admin/documents";

	/**
	 * Room for the multipart framing and the small fields (title, access) beside
	 * the file: the request may be this much larger than the file itself.
	 */
	static final DataSize MULTIPART_OVERHEAD = DataSize.ofKilobytes(64);

	@Bean
	MinioClient minioClient(StorageProperties properties) {
		return MinioClients.create(properties);
	}

	@Bean
	DocumentStorage documentStorage(MinioClient client, StorageProperties properties) {
		return new DocumentStorage(client, properties);
	}

	/**
	 * The servlet's multipart limits, replacing Boot's defaults (1MB per file, 10MB
	 * per request, spring.servlet.multipart.*): the document limit is the only
	 * upload this API has. Tomcat enforces them while it parses, also for a body
	 * sent without Content-Length; Spring turns a breach into
	 * MaxUploadSizeExceededException, answered 413 by the controller advice. Parts
	 * over 1MB are buffered in a temporary file, not in memory.
	 */
	@Bean
	MultipartConfigElement multipartConfigElement(DocumentProperties properties) {
		MultipartConfigFactory factory = new MultipartConfigFactory();
		factory.setMaxFileSize(properties.maxBytes());
		factory.setMaxRequestSize(requestLimit(properties));
		factory.setFileSizeThreshold(DataSize.ofMegabytes(1));
		return factory.createMultipartConfig();
	}

	/**
	 * The upload's own body limit instead of the API's 256KB for JSON: a declared
	 * Content-Length over it is refused before a byte is read.
	 */
	@Bean
	RequestBodyLimit documentUploadBodyLimit(DocumentProperties properties) {
		return new RequestBodyLimit("POST", UPLOAD_PATH, requestLimit(properties));
	}

	private static DataSize requestLimit(DocumentProperties properties) {
		return DataSize.ofBytes(properties.maxBytes().toBytes() + MULTIPART_OVERHEAD.toBytes());
	}

}

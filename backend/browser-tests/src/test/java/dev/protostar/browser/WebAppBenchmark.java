package dev.protostar.browser;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Figures of the web app measured in headless chromium (scripts/bench/web-app runs
 * it; it asserts nothing): the bytes a first visit transfers (the page, its modules,
 * the libraries and the stylesheet, from the Resource Timing API) and, over several
 * questions, the time from pressing Enter to the first streamed token on screen and
 * to the whole answer. Writes {@code web-app.json} to the results folder.
 */
@EnabledIfSystemProperty(named = "protostar.browser.base-url", matches = "https?://.+")
class WebAppBenchmark {

	@Test
	void measure() throws IOException {
		String baseUrl = System.getProperty("protostar.browser.base-url").replaceAll("/$", "");
		int questions = Integer.getInteger("protostar.bench.questions", 5);
		Path results = Path.of(System.getProperty("protostar.bench.results", "target/bench"));
		Files.createDirectories(results);
		ChromeOptions options = new ChromeOptions();
		options.setBinary(System.getProperty("protostar.browser.chromium", "/usr/bin/chromium"));
		options.setAcceptInsecureCerts(true);
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900");
		WebDriver driver = new ChromeDriver(new ChromeDriverService.Builder()
			.usingDriverExecutable(new File(System.getProperty("protostar.browser.driver", "/usr/bin/chromedriver")))
			.build(), options);
		try {
			JavascriptExecutor js = (JavascriptExecutor) driver;
			driver.get(baseUrl + "/signup");
			new WebDriverWait(driver, Duration.ofSeconds(20))
				.until(ExpectedConditions.visibilityOfElementLocated(By.id("email")));
			// A first visit: nothing cached. Bytes on the wire (compressed where nginx compresses).
			Number firstVisitBytes = (Number) js.executeScript("""
					const nav = performance.getEntriesByType('navigation')[0];
					return performance.getEntriesByType('resource')
					  .reduce((sum, r) => sum + r.transferSize, nav ? nav.transferSize : 0);""");
			Number files = (Number) js.executeScript("return performance.getEntriesByType('resource').length + 1;");
			driver.findElement(By.id("displayName")).sendKeys("Bench");
			driver.findElement(By.id("email")).sendKeys("bench-" + UUID.randomUUID() + "@example.com");
			driver.findElement(By.id("password")).sendKeys("correct-horse-battery", Keys.ENTER);
			new WebDriverWait(driver, Duration.ofSeconds(20))
				.until(ExpectedConditions.visibilityOfElementLocated(By.id("question")));
			List<Double> firstToken = new ArrayList<>();
			List<Double> fullAnswer = new ArrayList<>();
			for (int i = 0; i < questions; i++) {
				js.executeScript("""
						window.bench = {start: 0, first: 0, done: 0};
						const answered = document.querySelectorAll('.message.assistant.answered').length;
						new MutationObserver((_, observer) => {
						  const now = performance.now();
						  if (!window.bench.first && document.querySelector('#messages .markdown.streaming')) window.bench.first = now;
						  if (document.querySelectorAll('.message.assistant.answered').length > answered) {
						    window.bench.done = now;
						    if (!window.bench.first) window.bench.first = now;
						    observer.disconnect();
						  }
						}).observe(document.getElementById('messages'), {childList: true, subtree: true, characterData: true});
						document.getElementById('question').addEventListener('keydown',
						  () => { if (!window.bench.start) window.bench.start = performance.now(); }, {capture: true, once: true});""");
				driver.findElement(By.id("question")).sendKeys("How many days of annual leave do employees get?", Keys.ENTER);
				new WebDriverWait(driver, Duration.ofSeconds(120))
					.until((d) -> ((Number) js.executeScript("return window.bench.done;")).doubleValue() > 0);
				double start = ((Number) js.executeScript("return window.bench.start;")).doubleValue();
				firstToken.add(((Number) js.executeScript("return window.bench.first;")).doubleValue() - start);
				fullAnswer.add(((Number) js.executeScript("return window.bench.done;")).doubleValue() - start);
			}
			String json = String.format(Locale.ROOT,
					"{\"first_visit\":{\"bytes\":%d,\"files\":%d},\"run\":{\"questions\":%d},"
							+ "\"first_token\":{\"median_ms\":%.0f,\"max_ms\":%.0f},"
							+ "\"full_answer\":{\"median_ms\":%.0f,\"max_ms\":%.0f}}%n",
					firstVisitBytes.longValue(), files.intValue(), questions, median(firstToken), max(firstToken),
					median(fullAnswer), max(fullAnswer));
			Files.writeString(results.resolve("web-app.json"), json);
			System.out.print("web-app benchmark: " + json);
		}
		finally {
			driver.quit();
		}
	}

	private static double median(List<Double> values) {
		List<Double> sorted = values.stream().sorted().toList();
		return sorted.get(sorted.size() / 2);
	}

	private static double max(List<Double> values) {
		return values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
	}

}

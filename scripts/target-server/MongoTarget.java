// Starts mongo-java-server on a loopback port with its data in one H2 MVStore file.
// Usage: java -cp CLASSPATH MongoTarget DATA_FILE PORT
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;

public class MongoTarget {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: MongoTarget DATA_FILE PORT");
      System.exit(2);
    }
    H2Backend backend = new H2Backend(args[0]);
    MongoServer server = new MongoServer(backend);
    // Closing the backend on SIGTERM flushes the MVStore, so a restart finds every committed write.
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    server.bind("127.0.0.1", Integer.parseInt(args[1]));
    System.out.println("mongo-java-server listening on 127.0.0.1:" + args[1]);
    Thread.currentThread().join();
  }
}

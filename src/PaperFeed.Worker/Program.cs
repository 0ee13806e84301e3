using PaperFeed.Worker.Cli;

return await PaperFeedCli.RunAsync(args);

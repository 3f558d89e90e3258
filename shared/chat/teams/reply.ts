/**
 * A message with one Adaptive Card: the shape Teams Workflows' "post to a channel when a webhook request is
 * received" expects, and one the older incoming-webhook connectors accept too.
 */
export const teamsMessage = (text: string) => ({
  type: 'message',
  attachments: [
    {
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
        body: [{ type: 'TextBlock', text, wrap: true }],
      },
    },
  ],
});

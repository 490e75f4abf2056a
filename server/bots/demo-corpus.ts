import type { BotCorpus } from '@conversation-hub/client-sdk/contract';

/**
 * The built-in bot's demo corpus: a small English contact-centre set. A TypeScript constant, not a
 * .json file, because the server build copies only compiled .ts output and .lua files.
 * `agent` has no answers: recognising it hands the conversation over.
 */
export const demoCorpus: BotCorpus = {
  language: 'en',
  intents: [
    {
      name: 'greet',
      utterances: ['hello', 'hi', 'hey', 'hi there', 'good morning', 'good afternoon', 'good evening', 'hello, anyone there?'],
      answers: ['Hello! How can I help you today?', 'Hi there! What can I do for you?'],
    },
    {
      name: 'goodbye',
      utterances: ['bye', 'goodbye', 'see you', 'see you later', 'that is all, bye', 'have a nice day', 'talk to you later'],
      answers: ['Goodbye! Have a great day.', 'Bye for now, and thanks for getting in touch.'],
    },
    {
      name: 'thanks',
      utterances: ['thanks', 'thank you', 'thanks a lot', 'many thanks', 'thank you very much', 'cheers', 'that helped, thanks'],
      answers: ["You're welcome!", 'Glad I could help.'],
    },
    {
      name: 'opening_hours',
      utterances: [
        'what are your opening hours',
        'when are you open',
        'what time do you open',
        'what time do you close',
        'are you open on sunday',
        'are you open on weekends',
        'opening times',
        'when does the store open',
        'business hours',
      ],
      answers: ['We are open Monday to Friday, 8am to 8pm, and Saturday 9am to 5pm. We are closed on Sundays.'],
    },
    {
      name: 'order_status',
      utterances: [
        'where is my order',
        'my order is late',
        'track my order',
        'order status',
        'has my order shipped',
        'when will my package arrive',
        'my parcel has not arrived',
        'delivery status of my order',
        'i have not received my order',
      ],
      answers: [
        'You can track your order under "My orders" in your account; the tracking link is in your confirmation email too.',
        'Your order status is in "My orders". Most orders arrive within 3 to 5 working days.',
      ],
    },
    {
      name: 'refund',
      utterances: [
        'i want a refund',
        'how do i get a refund',
        'can i get my money back',
        'refund my order',
        'return an item',
        'how do i return a product',
        'what is your refund policy',
        'i would like to return my purchase',
      ],
      answers: ['You can return any item within 30 days for a full refund: start the return under "My orders". Refunds reach your account within 5 working days.'],
    },
    {
      name: 'password_reset',
      utterances: [
        'i forgot my password',
        'reset my password',
        'how do i change my password',
        'i cannot log in',
        'i cannot sign in to my account',
        'password reset',
        'my password does not work',
        'locked out of my account',
      ],
      answers: ['Use "Forgot password" on the sign-in page: we will email you a link to set a new one. The link is valid for one hour.'],
    },
    {
      name: 'agent',
      utterances: [
        'i want to talk to an agent',
        'agent, please',
        'agent',
        'human',
        'speak to a person',
        'can i talk to a human',
        'connect me to a real person',
        'let me speak to someone',
        'customer service representative',
        'operator',
      ],
      answers: [],
    },
  ],
};
